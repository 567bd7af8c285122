// Package packaging checks what supd ships as: the systemd unit, the
// default config and the Debian package.
package packaging
