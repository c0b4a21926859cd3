import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Emits `sw.js` next to index.html: the service worker source (src/sw-source.js) with the list of
 * files of this build to precache and a version derived from them, so each build replaces the last.
 */
export function serviceWorker(): Plugin {
  return {
    name: 'parta-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      const publicDir = path.resolve(here, '../public');
      const publicFiles = fs.existsSync(publicDir) ? listFiles(publicDir).map((f) => path.relative(publicDir, f).split(path.sep).join('/')) : [];
      const files = ['/', ...Object.keys(bundle).filter((f) => !f.endsWith('.map')), ...publicFiles]
        .map((f) => (f.startsWith('/') ? f : `/${f}`))
        .filter((f) => f !== '/index.html' && f !== '/sw.js');
      const version = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 12);
      const source = fs
        .readFileSync(path.resolve(here, '../src/sw-source.js'), 'utf8')
        .replace('const PRECACHE = __PARTA_PRECACHE__;', `const PRECACHE = ${JSON.stringify(files)};`)
        .replace('const VERSION = __PARTA_VERSION__;', `const VERSION = ${JSON.stringify(version)};`);
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
