# The fake Clerk API (`signintoken fake`) as a container, for CI `services:` and docker run.
# GoReleaser builds it (dockers_v2 in .goreleaser.yaml), with each platform's static binary at
# $TARGETPLATFORM/signintoken in the build context. distroless/static: no shell, no package
# manager, CA certificates and a non-root user (65532); the binary needs nothing else.
FROM gcr.io/distroless/static-debian12:nonroot
ARG TARGETPLATFORM
COPY $TARGETPLATFORM/signintoken /usr/local/bin/signintoken
USER nonroot:nonroot
EXPOSE 8080
# The image has no curl: the binary checks the fake's own health endpoint (GET
# /__clienttest/health, no key needed) and exits 0 or 1.
HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=3 \
  CMD ["/usr/local/bin/signintoken", "healthcheck", "--timeout", "2s", "http://127.0.0.1:8080"]
# Listening beyond loopback so other containers reach it (it speaks plain HTTP: a test network
# only). The key: set SIGNINTOKEN_FAKE_KEY=sk_test_… (else a random one is printed to the log).
ENTRYPOINT ["/usr/local/bin/signintoken", "fake", "--addr", "0.0.0.0:8080"]
