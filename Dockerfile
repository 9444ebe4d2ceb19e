# cfbuilds in a container, for `cfbuilds serve` (the team's SSH dashboard)
# and the other long-running commands: a static binary on a distroless base,
# run as a user that is not root.
#
#   docker build -t cfbuilds .
#   docker run -p 2222:2222 -v cfbuilds-state:/state \
#     -e CLOUDFLARE_API_TOKEN -e CLOUDFLARE_ACCOUNT_ID \
#     -v ./authorized_keys:/keys/authorized_keys:ro \
#     cfbuilds serve --listen :2222 --authorized-keys /keys/authorized_keys

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/cfbuilds .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/cfbuilds /cfbuilds
# The host key, the history and the trigger cache live here: mount a volume.
ENV XDG_STATE_HOME=/state XDG_CACHE_HOME=/state/cache XDG_CONFIG_HOME=/config
VOLUME ["/state"]
USER nonroot:nonroot
EXPOSE 2222
ENTRYPOINT ["/cfbuilds"]
CMD ["--help"]
