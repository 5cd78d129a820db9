/*
 * `npm run demo`'s server: the repository's config, with two things only the
 * demo needs. The dev server's root is the repository (the demo imports
 * ../src), so it prints http://localhost:5173/ while the demo lives at
 * /demo/: the root redirects there instead of answering 404. And only the
 * demo's page is scanned for dependencies: test/consumer imports the built
 * package (vicinity/dashboard), which a fresh clone has not built, and the
 * scan warned about it on the first start.
 */
import { mergeConfig, type Plugin } from 'vite';
import base from '../vite.config.js';

function demoAtRoot(): Plugin {
  return {
    name: 'vicinity:demo-at-root',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (req.url !== '/' && req.url !== '/index.html') return next();
        res.statusCode = 302;
        res.setHeader('Location', '/demo/');
        res.end();
      });
    },
  };
}

export default mergeConfig(base, {
  plugins: [demoAtRoot()],
  optimizeDeps: { entries: ['demo/index.html'] },
});
