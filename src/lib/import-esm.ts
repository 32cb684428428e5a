// Loads an ES module from this CommonJS build. TypeScript turns `import()` into require(), which
// jest's module loader cannot use for ES modules; a direct eval keeps a real dynamic import,
// resolved as from this file (so it also works for every test file jest runs in one worker).
export function importEsm<T>(specifier: string): Promise<T> {
  // eslint-disable-next-line no-eval
  return eval('import(specifier)') as Promise<T>;
}
