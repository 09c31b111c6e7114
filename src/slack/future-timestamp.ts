// Refuses signed Slack requests stamped more than a minute ahead of our clock. Bolt accepts five minutes either
// way; a request from the future is a forged or pre-signed one (Slack stamps the moment it sends), and allowing
// it would stretch the replay window to ten minutes.
import type { RequestHandler } from 'express';
import type { Logger } from '../lib/logger.js';

/** How far ahead of our clock a request's x-slack-request-timestamp may be (clock skew between hosts). */
export const MAX_FUTURE_SKEW_SECONDS = 60;

export function refuseFutureTimestamps(logger: Logger, now: () => number = Date.now): RequestHandler {
  return (req, res, next) => {
    const stamp = Number(req.get('x-slack-request-timestamp'));
    // Missing or malformed stamps are Bolt's to refuse (with the signature check).
    if (!Number.isFinite(stamp) || stamp <= now() / 1000 + MAX_FUTURE_SKEW_SECONDS) return next();
    logger.warn(
      { timestamp: stamp, aheadSeconds: Math.round(stamp - now() / 1000) },
      `Slack request refused: stamped more than ${MAX_FUTURE_SKEW_SECONDS} s in the future`,
    );
    res.status(401).send('');
  };
}
