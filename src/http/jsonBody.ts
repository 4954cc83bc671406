import express, { type RequestHandler } from 'express';
import { assertJsonDepth } from '../core/boundedJson';

/**
 * The JSON body parser of every route: express.json with a size limit, then the nesting
 * bound of src/core/boundedJson.ts (a deeply nested body is a 400, never a stack overflow).
 */
export function jsonBody(limit: string): RequestHandler {
  const parse = express.json({ limit });
  return (req, res, next) =>
    parse(req, res, (err?: unknown) => {
      if (err) return next(err);
      try {
        assertJsonDepth(req.body);
      } catch (e) {
        return next(e);
      }
      next();
    });
}
