"""DOM co-browsing: WebSocket relay, masking, checkpoints, recording and replay."""
