# builder/templates/node.Dockerfile: a Node.js app started with npm start (BASE_IMAGE: PLATFORM_BASE_IMAGE_NODE)
ARG BASE_IMAGE=node:20-alpine
FROM ${BASE_IMAGE}
ARG PORT=8080
ENV NODE_ENV=production PORT=${PORT}
WORKDIR /app
COPY package*.json ./
RUN if [ -f package-lock.json ]; then npm ci --omit=dev; else npm install --omit=dev; fi
COPY . .
EXPOSE ${PORT}
CMD ["npm", "start"]
