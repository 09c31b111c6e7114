// Decides whether a GraphQL document can write, by parsing it rather than searching for words.
import { Kind, parse } from 'graphql';

/** Documents with more tokens than this are not parsed (and so count as writes): bounds CPU per call. */
const MAX_TOKENS = 50_000;

/**
 * True when the document defines a mutation, or cannot be parsed (including empty text): fail closed.
 * Queries, subscriptions and fragment-only documents are reads; the word "mutation" inside names,
 * aliases or strings does not count, because only parsed operation types are looked at.
 */
export function graphqlContainsMutation(document: string): boolean {
  try {
    const parsed = parse(document, { noLocation: true, maxTokens: MAX_TOKENS });
    return parsed.definitions.some(
      (definition) => definition.kind === Kind.OPERATION_DEFINITION && definition.operation === 'mutation',
    );
  } catch {
    return true;
  }
}
