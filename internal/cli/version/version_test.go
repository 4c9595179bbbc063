package version

import (
	"runtime"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
)

func TestNewCmdVersion(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Version: "v1.2.3"}
	for _, c := range []struct {
		args    []string
		wantErr bool
	}{
		{nil, false},
		{[]string{"extra"}, true},
		{[]string{"--bogus"}, true},
	} {
		var got *VersionOptions
		cmd := NewCmdVersion(f, func(o *VersionOptions) error { got = o; return nil })
		cmd.SetArgs(c.args)
		cmd.SetOut(&strings.Builder{})
		cmd.SetErr(&strings.Builder{})
		err := cmd.Execute()
		if (err != nil) != c.wantErr {
			t.Errorf("%v: error %v, want error %v", c.args, err, c.wantErr)
		}
		if !c.wantErr && (got == nil || got.Version != "v1.2.3") {
			t.Errorf("%v: options %+v, want the factory's version", c.args, got)
		}
	}
}

func TestVersionRun(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	if err := versionRun(&VersionOptions{IO: ios, Version: "v9"}); err != nil {
		t.Fatal(err)
	}
	want := "mlops-lab v9 (" + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH + ")\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}
