package env

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/docker/docker/api/types/build"
)

// ServeDockerfile is the Dockerfile of an image built from this project: the
// static mlops-lab binary alone in a FROM scratch image, labelled so that the
// docker runtime recognises it (ServeImageLabel) and starts it with `serve`.
// Its default command suits `docker run -p 9092:9092 IMAGE` as well.
const ServeDockerfile = `FROM scratch
COPY mlops-lab /mlops-lab
LABEL ` + ServeImageLabel + `="1"
EXPOSE 9092
ENTRYPOINT ["/mlops-lab"]
CMD ["serve", "--kafka-listen", "0.0.0.0:9092", "--kafka-advertise", "127.0.0.1:9092"]
`

// BuildServeImage builds the image described by ServeDockerfile from binary,
// a static (CGO_ENABLED=0) linux build of mlops-lab for the Docker engine's
// architecture, and tags it tag. Nothing is pulled: the image is FROM scratch.
func BuildServeImage(ctx context.Context, binary, tag string) error {
	data, err := os.ReadFile(binary)
	if err != nil {
		return fmt.Errorf("building image %s: %w", tag, err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Now()
	for _, f := range []struct {
		name string
		mode int64
		data []byte
	}{
		{"Dockerfile", 0o644, []byte(ServeDockerfile)},
		{"mlops-lab", 0o755, data},
	} {
		hdr := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: now, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}

	cli, err := connectDocker(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	resp, err := cli.ImageBuild(ctx, &buf, build.ImageBuildOptions{
		Tags:        []string{tag},
		Dockerfile:  "Dockerfile",
		Remove:      true,
		ForceRemove: true,
	})
	if err != nil {
		return fmt.Errorf("building image %s: %w", tag, err)
	}
	defer resp.Body.Close()
	if err := streamError(resp.Body); err != nil {
		return fmt.Errorf("building image %s: %w", tag, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return nil
}
