import { GraphQLScalarType, Kind } from 'graphql';
import { DateTimeResolver, EmailAddressResolver, JSONResolver } from 'graphql-scalars';

export const DateTimeScalar = DateTimeResolver;
export const EmailAddressScalar = EmailAddressResolver;
export const JSONScalar = JSONResolver;

/** HTML that the server has sanitized; as input, any string (it is sanitized on the way in). */
export const HTMLScalar = new GraphQLScalarType<string, string>({
  name: 'HTML',
  description: 'An HTML fragment, sanitized by the server before it is stored.',
  serialize: (value) => {
    if (typeof value !== 'string') throw new TypeError('HTML must be a string');
    return value;
  },
  parseValue: (value) => {
    if (typeof value !== 'string') throw new TypeError('HTML must be a string');
    return value;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new TypeError('HTML must be a string');
    return ast.value;
  },
});
