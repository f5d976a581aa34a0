import type { CodegenConfig } from '@graphql-codegen/cli';

/** Typed documents for the tests' operations (test/**\/*.graphql) against the committed schema. */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['test/**/*.graphql'],
  ignoreNoDocuments: true,
  generates: {
    'test/__generated__/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { DateTime: 'string', EmailAddress: 'string', HTML: 'string', JSON: 'unknown' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
