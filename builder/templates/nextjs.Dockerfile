# builder/templates/nextjs.Dockerfile: a Next.js app, built then started with next start (BASE_IMAGE: PLATFORM_BASE_IMAGE_NODE)
ARG BASE_IMAGE=node:20-alpine
FROM ${BASE_IMAGE}
ARG PORT=8080
ENV NEXT_TELEMETRY_DISABLED=1 PORT=${PORT}
WORKDIR /app
COPY package*.json ./
RUN if [ -f package-lock.json ]; then npm ci; else npm install; fi
COPY . .
RUN npm run build && npm prune --omit=dev
ENV NODE_ENV=production
EXPOSE ${PORT}
CMD ["sh", "-c", "exec npx next start -p \"$PORT\""]
