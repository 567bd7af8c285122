package client

import (
	"io"
	"net"
	"net/http"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// The test binary doubles as a server of another user's (see
// TestUntrustedServer) when SUPD_CLIENT_TEST_SERVE names a socket.
func TestMain(m *testing.M) {
	if sock := os.Getenv("SUPD_CLIENT_TEST_SERVE"); sock != "" {
		os.Exit(serve(sock))
	}
	goleak.VerifyTestMain(m)
}

// serve answers GET /v1/version on sock, says "listening" and serves until
// stdin closes.
func serve(sock string) int {
	ln, err := net.Listen("unix", sock)
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 1
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"client":{"version":"x","go":"y","api":"v1"}}`)
	}))
	os.Stdout.WriteString("listening\n")
	io.Copy(io.Discard, os.Stdin)
	return 0
}
