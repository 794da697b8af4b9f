// The media type of an HTTP ingest body, refusing a charset other than UTF-8 (bodies are read as UTF-8).
import { errors } from '../core/error-registry.js';

/**
 * The lower-case media type of a Content-Type header (`''` when absent). A `charset` parameter
 * must name UTF-8: a body in another charset would be read wrongly, so it is a 415, not ignored.
 */
export function ingestMediaType(header: string | undefined): string {
  const [type, ...params] = (header ?? '').split(';');
  const media = type.trim().toLowerCase();
  for (const param of params) {
    const eq = param.indexOf('=');
    const name = param
      .slice(0, eq < 0 ? undefined : eq)
      .trim()
      .toLowerCase();
    if (name !== 'charset') continue;
    const charset = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8')
      throw errors.mediaTypeUnsupported(
        (header ?? '').trim(),
        `${media || 'application/json'} (in UTF-8: charset=utf-8 or none)`,
      );
  }
  return media;
}
