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
  if (document.length > MAX_REMEMBERED_LENGTH) return parseForMutation(document);
  let known = remembered.get(document);
  if (known === undefined) {
    known = parseForMutation(document);
    // Oldest first out: assistants repeat a few documents, and parsing each call was a visible share of CPU.
    if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value as string);
    remembered.set(document, known);
  }
  return known;
}

/** Documents already classified (the answer depends on the text alone), bounded in count and size. */
const remembered = new Map<string, boolean>();
const MAX_REMEMBERED = 1_000;
const MAX_REMEMBERED_LENGTH = 4_096;

function parseForMutation(document: string): boolean {
  try {
    const parsed = parse(document, { noLocation: true, maxTokens: MAX_TOKENS });
    return parsed.definitions.some(
      (definition) => definition.kind === Kind.OPERATION_DEFINITION && definition.operation === 'mutation',
    );
  } catch {
    return true;
  }
}
