// The dashboard's recordings: the organisation's call recordings (/api/recordings) and
// co-browse recordings (/api/cobrowse/recordings), one row per session, filtered by
// date, kind and session; replay (co-browse with the call alongside) and downloads.
import { api } from "../shared/api";

export interface VideoRecording {
  id: string; session_id: string; role: string; started_at: string; duration_s: number; size: number; url: string;
}
export interface CobrowseRecording { session_id: string; bytes: number; started_at: number; updated_at: number }
export interface RecordingRow {
  sessionId: string; startedAt: Date; videos: VideoRecording[]; cobrowse: CobrowseRecording | null;
}
export interface RecordingFilter { from?: string; to?: string; kind: "all" | "video" | "cobrowse"; session: string }

/** One row per session, newest first. */
export function mergeRecordings(videos: VideoRecording[], cobrowse: CobrowseRecording[]): RecordingRow[] {
  const rows = new Map<string, RecordingRow>();
  const row = (sessionId: string, at: Date) => {
    const found = rows.get(sessionId) ?? { sessionId, startedAt: at, videos: [], cobrowse: null };
    if (at < found.startedAt) found.startedAt = at;
    rows.set(sessionId, found);
    return found;
  };
  for (const v of videos) row(v.session_id, new Date(v.started_at)).videos.push(v);
  for (const c of cobrowse) row(c.session_id, new Date(c.started_at * 1000)).cobrowse = c;
  return [...rows.values()].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
}

export function filterRecordings(rows: RecordingRow[], f: RecordingFilter): RecordingRow[] {
  const from = f.from ? new Date(`${f.from}T00:00:00`) : null;
  const to = f.to ? new Date(`${f.to}T23:59:59.999`) : null;
  return rows.filter((r) =>
    (!from || r.startedAt >= from) && (!to || r.startedAt <= to) &&
    (f.kind === "all" || (f.kind === "video" ? r.videos.length > 0 : r.cobrowse !== null)) &&
    (!f.session || r.sessionId.includes(f.session.trim())));
}

export async function loadRecordings(token: string): Promise<RecordingRow[]> {
  const [videos, cobrowse] = await Promise.all([
    api<{ recordings: VideoRecording[] }>("/api/recordings", { token }),
    api<{ recordings: CobrowseRecording[] }>("/api/cobrowse/recordings", { token }),
  ]);
  return mergeRecordings(videos.recordings, cobrowse.recordings);
}

/** Download with the bearer token (a plain link cannot send it); ``download=1`` puts
 * it in the access audit as a download rather than a replay. */
export async function download(url: string, token: string, name: string): Promise<void> {
  const marked = `${url}${url.includes("?") ? "&" : "?"}download=1`;
  const response = await fetch(marked, { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`${response.status}`);
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
}
