package testuser

import (
	"errors"
	"os/user"
	"testing"
)

func TestNewAndRemove(t *testing.T) {
	var name string
	t.Run("new", func(t *testing.T) {
		u := New(t)
		name = u.Name
		got, err := user.Lookup(u.Name)
		if err != nil {
			t.Fatal(err)
		}
		if got.HomeDir != u.Home || u.UID == 0 || u.GID == 0 {
			t.Errorf("user %+v, passwd says %+v", u, got)
		}
	})
	if name == "" {
		t.Skip("no user was created")
	}
	var unknown user.UnknownUserError
	if _, err := user.Lookup(name); !errors.As(err, &unknown) {
		t.Errorf("user %s still there after its test: %v", name, err)
	}
}
