// A piece of a file name taken from user data (a thread name, rt-app's log_basename, a scenario or
// task id): only letters, digits, ".", "_" and "-", never "." or "..", and short enough that the
// whole name stays under NAME_MAX (255 bytes) — so a name can neither leave the folder it is
// written into (issue 15, item 1) nor fail with ENAMETOOLONG (item 6).

/** Longest piece kept: three pieces and a suffix still fit in 255 bytes. */
export const MAX_NAME_PIECE = 64;

export function safeFileNamePiece(text: string): string {
  const clean = text.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, MAX_NAME_PIECE);
  if (clean === '' ) return '_';
  return clean === '.' || clean === '..' ? clean.replace(/\./g, '_') : clean;
}
