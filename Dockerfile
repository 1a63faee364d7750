# coview node image: the Python server plus the built front end.
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY tools.lock pyproject.toml uv.lock README.md ./
# The same pins as `make run`: uv from tools.lock (hash-checked), then uv.lock, runtime only.
RUN pip install --require-hashes -r tools.lock
COPY server/ server/
COPY store/ store/
COPY signaling/ signaling/
COPY media/ media/
COPY cobrowse/ cobrowse/
COPY escalation/ escalation/
COPY web/ web/
COPY --from=web /src/web/static/dist/ web/static/dist/
ENV UV_PROJECT_ENVIRONMENT=/app/.venv UV_PYTHON_DOWNLOADS=never PATH=/app/.venv/bin:$PATH
RUN uv sync --frozen --no-editable --no-progress && rm -rf /root/.cache/uv \
    && python -m media.demo_video --dir /app/data/demo-videos
RUN useradd --system --home /app coview && chown -R coview /app
USER coview
EXPOSE 8080
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz')"
CMD ["coview", "serve", "--host", "0.0.0.0", "--port", "8080"]
