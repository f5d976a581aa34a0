/* DeskQL's GraphiQL: queries over HTTP, subscriptions over graphql-ws; the
   Authorization header from the Headers tab is sent on both. Everything is
   served by this server: no CDN, works offline. */
(function () {
  'use strict';
  var httpUrl = window.location.origin + '/graphql';
  var wsUrl = httpUrl.replace(/^http/, 'ws');
  var wsClient = null;
  var wsAuth = null;

  function authorizationOf(headers) {
    if (!headers) return undefined;
    for (var key in headers) {
      if (key.toLowerCase() === 'authorization') return headers[key];
    }
    return undefined;
  }

  /* The Headers tab starts with the placeholder "Bearer " for the user to
     complete. Until a token is there, send no Authorization header at all:
     the server rejects a malformed one, which would fail the schema
     introspection GraphiQL runs on load (no docs, no completion). */
  function withoutPlaceholder(headers) {
    var out = {};
    for (var key in headers) {
      if (key.toLowerCase() === 'authorization' && /^\s*(bearer\s*)?$/i.test(String(headers[key] == null ? '' : headers[key]))) continue;
      out[key] = headers[key];
    }
    return out;
  }

  function socketFor(authorization) {
    if (wsClient && wsAuth === authorization) return wsClient;
    if (wsClient) wsClient.dispose();
    wsAuth = authorization;
    wsClient = graphqlWs.createClient({
      url: wsUrl,
      lazy: true,
      connectionParams: authorization ? { authorization: authorization } : {},
    });
    return wsClient;
  }

  function isSubscription(params) {
    var text = params.query || '';
    var name = params.operationName;
    var re = /(query|mutation|subscription)\s*([A-Za-z_][A-Za-z0-9_]*)?/g;
    var match;
    while ((match = re.exec(text))) {
      if (!name || match[2] === name) return match[1] === 'subscription';
    }
    return false;
  }

  function fetcher(params, options) {
    var headers = withoutPlaceholder((options && options.headers) || {});
    if (isSubscription(params)) {
      return socketFor(authorizationOf(headers)).iterate(params);
    }
    var all = Object.assign({ 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' }, headers);
    return fetch(httpUrl, { method: 'POST', headers: all, body: JSON.stringify(params) }).then(function (res) {
      return res.json();
    });
  }

  var defaultQuery = [
    '# Welcome to DeskQL. Log in first, then put the token in the Headers tab:',
    '#   { "Authorization": "Bearer <token>" }',
    '',
    'mutation Login {',
    '  login(input: { email: "admin@example.com", password: "printed at start" }) {',
    '    token',
    '    viewer { id name }',
    '    userErrors { field message code }',
    '  }',
    '}',
    '',
    'query Me {',
    '  viewer { __typename id name }',
    '  departments { id name }',
    '}',
    '',
  ].join('\n');

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultHeaders: '{\n  "Authorization": "Bearer "\n}',
      headerEditorEnabled: true,
      shouldPersistHeaders: false,
      isHeadersEditorEnabled: true,
    }),
  );
})();
