// Public API of the rt-app bridge (docs/rtapp.md): read rt-app workloads, turn them into scenarios,
// and write or read rt-app per-thread logs.

export { parseRtapp, readRtappFile, looksLikeRtapp, type RtappWorkload, type RtappThread, type RtappPhase, type RtappEvent } from './grammar.js';
export { importRtapp, importRtappFile, rtappOrigin, type RtappImport, type RtappImportOptions } from './import.js';
export { RtappLogRecorder, formatRtappLog, parseRtappLog, writeRtappLogs, logFileName, type RtappLog, type RtappLogRow } from './logs.js';
