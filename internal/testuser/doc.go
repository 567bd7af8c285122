// Package testuser creates throwaway users for tests of what one user can
// do to another through supd (a worker as another user, a stranger on a
// socket), and removes them when the test ends. It needs root, useradd and
// userdel; without them a test that asks for a user is skipped. It runs no
// goroutines.
package testuser
