// Local camera/microphone with graceful fallback: video+audio, else audio only,
// else receive-only. Each fallback carries a message key for the user.

export interface LocalMedia {
  stream: MediaStream;
  notice: string | null; // translation key explaining what is missing, if anything
}

const VIDEO: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 480 } };

function errorName(error: unknown): string {
  return error instanceof DOMException ? error.name : "Error";
}

export async function openLocalMedia(
  devices: { cameraId?: string; micId?: string } = {},
): Promise<LocalMedia> {
  const video = devices.cameraId ? { ...VIDEO, deviceId: { exact: devices.cameraId } } : VIDEO;
  const audio = devices.micId ? { deviceId: { exact: devices.micId } } : true;
  if (!navigator.mediaDevices?.getUserMedia) {
    return { stream: new MediaStream(), notice: "call.error.no_devices" };
  }
  try {
    return { stream: await navigator.mediaDevices.getUserMedia({ video, audio }), notice: null };
  } catch (error) {
    const name = errorName(error);
    if (name === "NotAllowedError" || name === "SecurityError") {
      return { stream: new MediaStream(), notice: "call.error.permission" };
    }
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio });
    return { stream, notice: "call.error.no_camera" };
  } catch (error) {
    const name = errorName(error);
    const notice =
      name === "NotAllowedError" || name === "SecurityError"
        ? "call.error.permission"
        : "call.error.no_devices";
    return { stream: new MediaStream(), notice };
  }
}

export async function listDevices(): Promise<{ cameras: MediaDeviceInfo[]; mics: MediaDeviceInfo[] }> {
  const all = navigator.mediaDevices?.enumerateDevices ? await navigator.mediaDevices.enumerateDevices() : [];
  return {
    cameras: all.filter((d) => d.kind === "videoinput"),
    mics: all.filter((d) => d.kind === "audioinput"),
  };
}
