import { z } from 'zod';

// A person's name travels into e-mail subjects and bodies, notification titles and other
// people's member lists: one line of text, no control characters (CR/LF would break an e-mail
// header apart) and no markup brackets (it must read the same wherever it is shown).

const PRINTABLE_LINE = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}<>]*$/u;

export const PersonName = z
  .string()
  .trim()
  .max(200)
  .regex(PRINTABLE_LINE, 'must be one line of text without control characters or < >');
