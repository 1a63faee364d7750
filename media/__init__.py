"""aiortc server peers: recording, demo playback and snapshots."""
