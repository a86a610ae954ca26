# builder/templates/go.Dockerfile: a Go module built statically (BASE_IMAGE: PLATFORM_BASE_IMAGE_GO), run on RUNTIME_IMAGE (PLATFORM_BASE_IMAGE_RUNTIME)
ARG BASE_IMAGE=golang:1.22-alpine
ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12
FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/app .

FROM ${RUNTIME_IMAGE}
ARG PORT=8080
ENV PORT=${PORT}
COPY --from=build /out/app /app
EXPOSE ${PORT}
ENTRYPOINT ["/app"]
