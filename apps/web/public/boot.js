// Runs before the app's modules. The page's Content-Security-Policy has no 'unsafe-eval'
// (docs/subsystems/security.md): zod must parse without compiling code through `new Function`,
// and must be told so before its first schema is built, hence a plain script ahead of the bundle.
globalThis.__zod_globalConfig = Object.assign(globalThis.__zod_globalConfig || {}, { jitless: true });
