// Exit codes shared by every admin script, so that automation can tell the outcomes apart.

export const EXIT = {
  /** Everything was done (or, with --dry-run, would be done). */
  ok: 0,
  /** The work failed: nothing more could be done; the message says why. */
  failed: 1,
  /** Unknown flag, missing argument: nothing was done. */
  usage: 2,
  /** The run finished but some items were rejected or failed; they are listed. */
  incomplete: 3,
  /** The embedded database is in use by the server (or another script). */
  locked: 4,
  /** Stopped by Ctrl-C or SIGTERM after finishing in-flight work; re-run to resume. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0    done (with --dry-run: nothing to report)',
  '  1    failed; the message says why',
  '  2    bad usage (unknown flag, missing argument); nothing was done',
  '  3    finished, but some items were rejected or failed (listed on stderr)',
  '  4    the embedded database is in use by the server: use the admin API or PostgreSQL',
  '  130  interrupted (Ctrl-C / SIGTERM) after finishing in-flight work; run again to resume',
].join('\n');
