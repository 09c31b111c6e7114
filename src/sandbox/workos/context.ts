// What the stand-in's route modules share: state, signing keys, credentials and its own address.
import type { Signer } from './keys.js';
import type { StandInState } from './state.js';

export interface StandInContext {
  state: StandInState;
  signer: Signer;
  clientId: string;
  apiKey: string;
  /** `iss` of every token minted, and `issuer` in the authorization-server metadata. */
  issuer: string;
  /** Lifetime of provider tokens; null issues them without expiry. */
  providerTokenTtlMs: number | null;
  /** Lifetime of sign-in and OAuth access tokens, as a jose time span. */
  accessTokenTtl: string;
  /** `http://127.0.0.1:<port>`, known once listening. */
  baseUrl(): string;
}
