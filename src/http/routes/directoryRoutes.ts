import { Router } from 'express';
import { loadDirectory } from '../../directory/Directory';
import { lookupDirectory } from '../../directory/lookupDirectory';

/** `GET /api/v1/directory?q=` (issue 11): the 国家职业资格目录 (2021) look-up; public, cacheable. */
export function directoryRoutes(): Router {
  const r = Router();
  const directory = loadDirectory();
  r.get('/api/v1/directory', (req, res) => {
    const result = lookupDirectory(typeof req.query.q === 'string' ? req.query.q : undefined, directory);
    res.set('Cache-Control', 'public, max-age=3600').json(result);
  });
  return r;
}
