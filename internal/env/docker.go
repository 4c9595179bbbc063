package env

// The docker runtime: testcontainers-go starts Kafka (and, for labs that need
// it, ksqlDB) in containers on a container network of their own, and the
// environment hands out the host addresses of their mapped ports.
//
// Two kinds of Kafka image take two paths through the same code:
//
//   - A real Kafka image (the default, confluentinc/confluent-local, or any
//     other image given as Spec.KafkaImage) is started by the testcontainers
//     Kafka module. When the lab needs ksqlDB, confluentinc/ksqldb-server runs
//     next to it on the same network and reaches the broker through its
//     in-network listener kafka:9092.
//
//   - An image built from this project (a static mlops-lab binary in a FROM
//     scratch image, see BuildServeImage) is recognised by the image label
//     org.mlops-lab.serve=1, read from the local image with the Docker API. The
//     Kafka module cannot start it (its startup script needs a shell), so it is
//     started as a generic container running
//     `mlops-lab serve --kafka-listen 0.0.0.0:PORT --kafka-advertise HOST:PORT`,
//     with a host port chosen up front and published as the same container
//     port, so the address the broker advertises is the one clients on the host
//     reach. The same process serves ksqlDB (--ksql-listen 0.0.0.0:8088) when
//     the lab needs it; no ksqldb-server container is started.
//
// Everything else (the Docker check, image pulls, the network, progress lines,
// error messages and Close) is shared.
//
// Ryuk: testcontainers normally starts its Ryuk container to remove what a
// crashed process leaves behind. The runtime keeps that default for users. On
// machines where no image can be pulled, Ryuk cannot start either: export
// TESTCONTAINERS_RYUK_DISABLED=true there (the project's tests and Makefile do).

import (
	"bufio"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/go-connections/nat"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/modules/kafka"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// Default images of the docker runtime.
const (
	DefaultKafkaImage = "confluentinc/confluent-local:7.5.0"
	DefaultKsqlImage  = "confluentinc/ksqldb-server:0.29.0"
)

// ServeImageLabel marks an image built from this project: its entrypoint is
// the mlops-lab binary, and the docker runtime starts it with `serve` instead
// of through the Kafka module. The label's value is "1".
const ServeImageLabel = "org.mlops-lab.serve"

// EnvLabel is put on the containers and the network of every docker
// environment, so that leftovers can be found (docker ps --filter label=...).
const EnvLabel = "org.mlops-lab.env"

const (
	// kafkaAlias is the broker's name on the environment's network.
	kafkaAlias = "kafka"
	// kafkaStartTimeout bounds a broker's start; ksqlStartTimeout ksqlDB's,
	// which takes minutes on a laptop.
	kafkaStartTimeout = 2 * time.Minute
	ksqlStartTimeout  = 5 * time.Minute
	// heartbeatEvery is how often progress says that a slow step still runs.
	heartbeatEvery = 20 * time.Second
	// closeTimeout bounds Close, which runs even when the caller's context has
	// ended (an interrupted command must still remove its containers).
	closeTimeout = 90 * time.Second
)

// dockerEnv is an environment of containers.
type dockerEnv struct {
	bootstrap  string
	ksqlURL    string
	containers []testcontainers.Container
	network    *testcontainers.DockerNetwork
}

func (d *dockerEnv) Runtime() string   { return Docker }
func (d *dockerEnv) Bootstrap() string { return d.bootstrap }
func (d *dockerEnv) KsqlURL() string   { return d.ksqlURL }

// Close terminates the containers, newest first, and removes the network.
func (d *dockerEnv) Close(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
	defer cancel()
	var errs []error
	for i := len(d.containers) - 1; i >= 0; i-- {
		if err := testcontainers.TerminateContainer(d.containers[i], testcontainers.StopContext(ctx)); err != nil {
			errs = append(errs, err)
		}
	}
	d.containers = nil
	if d.network != nil {
		if err := d.network.Remove(ctx); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("removing network %s: %w", d.network.Name, err))
		}
		d.network = nil
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stopping the docker environment: %w", err)
	}
	return nil
}

func startDocker(ctx context.Context, spec Spec) (_ Environment, err error) {
	w := spec.Progress
	cli, err := connectDocker(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()

	kafkaImage := cmp.Or(spec.KafkaImage, DefaultKafkaImage)
	kafkaInfo, err := ensureImage(ctx, cli, kafkaImage, w)
	if err != nil {
		return nil, err
	}
	serve := isServeImage(kafkaInfo)
	var ksqlImage string
	if spec.KSQL {
		if serve {
			if spec.KsqlImage != "" {
				progressf(w, "note: %s serves ksqlDB itself; the ksqlDB image %s is not used", kafkaImage, spec.KsqlImage)
			}
		} else {
			ksqlImage = cmp.Or(spec.KsqlImage, DefaultKsqlImage)
			if _, err := ensureImage(ctx, cli, ksqlImage, w); err != nil {
				return nil, err
			}
		}
	}

	d := &dockerEnv{}
	defer func() {
		if err != nil {
			_ = d.Close(context.Background())
		}
	}()
	id := strconv.FormatInt(time.Now().UnixNano(), 36)
	labels := map[string]string{EnvLabel: id}
	d.network, err = network.New(ctx, network.WithLabels(labels))
	if err != nil {
		return nil, fmt.Errorf("creating a container network: %w%s", err, ryukHint(err))
	}
	if serve {
		if err := d.startServe(ctx, kafkaImage, spec, labels); err != nil {
			return nil, err
		}
		return d, nil
	}
	if err := d.startKafka(ctx, kafkaImage, spec, labels); err != nil {
		return nil, err
	}
	if spec.KSQL {
		if err := d.startKsql(ctx, ksqlImage, spec, labels); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// startKafka starts a real Kafka image with the testcontainers Kafka module.
func (d *dockerEnv) startKafka(ctx context.Context, img string, spec Spec, labels map[string]string) error {
	w := spec.Progress
	progressf(w, "starting Kafka (%s) ...", img)
	start := time.Now()
	stop := heartbeat(w, start, "still starting Kafka")
	ctr, err := kafka.Run(ctx, img,
		network.WithNetwork([]string{kafkaAlias}, d.network),
		// The module advertises the in-network listener as BROKER://HOSTNAME:9092;
		// naming the host after the network alias makes that address resolve
		// for the other containers (ksqlDB).
		testcontainers.WithConfigModifier(func(c *container.Config) { c.Hostname = kafkaAlias }),
		testcontainers.WithLabels(labels),
	)
	stop()
	if ctr != nil {
		d.containers = append(d.containers, ctr)
	}
	if err != nil {
		return containerError(ctx, "Kafka", img, ctr, err)
	}
	brokers, err := ctr.Brokers(ctx)
	if err != nil || len(brokers) == 0 {
		return fmt.Errorf("Kafka (%s) started, but its address is unknown: %v", img, err)
	}
	d.bootstrap = brokers[0]
	if err := waitKafka(ctx, d.bootstrap); err != nil {
		return err
	}
	progressf(w, "Kafka ready at %s (%.1fs)", d.bootstrap, time.Since(start).Seconds())
	return nil
}

// startKsql starts ksqlDB next to the broker started by startKafka.
func (d *dockerEnv) startKsql(ctx context.Context, img string, spec Spec, labels map[string]string) error {
	w := spec.Progress
	progressf(w, "starting ksqlDB (%s); this can take a few minutes ...", img)
	start := time.Now()
	stop := heartbeat(w, start, "still waiting for ksqlDB")
	ctr, err := testcontainers.Run(ctx, img,
		network.WithNetwork([]string{"ksqldb"}, d.network),
		testcontainers.WithLabels(labels),
		testcontainers.WithExposedPorts("8088/tcp"),
		testcontainers.WithEnv(map[string]string{
			"KSQL_BOOTSTRAP_SERVERS": kafkaAlias + ":9092",
			"KSQL_LISTENERS":         "http://0.0.0.0:8088",
			"KSQL_KSQL_SERVICE_ID":   "mlops_lab_",
			// One broker: every topic ksqlDB creates has one replica.
			"KSQL_KSQL_INTERNAL_TOPIC_REPLICAS":                     "1",
			"KSQL_KSQL_STREAMS_REPLICATION_FACTOR":                  "1",
			"KSQL_KSQL_LOGGING_PROCESSING_TOPIC_REPLICATION_FACTOR": "1",
			"KSQL_KSQL_LOGGING_PROCESSING_TOPIC_AUTO_CREATE":        "true",
			"KSQL_KSQL_LOGGING_PROCESSING_STREAM_AUTO_CREATE":       "true",
		}),
		testcontainers.WithWaitStrategyAndDeadline(ksqlStartTimeout, infoReady("8088/tcp")),
	)
	stop()
	if ctr != nil {
		d.containers = append(d.containers, ctr)
	}
	if err != nil {
		return containerError(ctx, "ksqlDB", img, ctr, err)
	}
	url, err := ctr.PortEndpoint(ctx, "8088/tcp", "http")
	if err != nil {
		return fmt.Errorf("ksqlDB (%s) started, but its address is unknown: %w", img, err)
	}
	d.ksqlURL = url
	progressf(w, "ksqlDB ready at %s (%.1fs)", d.ksqlURL, time.Since(start).Seconds())
	return nil
}

// startServe starts an image built from this project: `mlops-lab serve`
// listening on a host port chosen up front and published as the same port,
// so that the advertised HOST:PORT is what clients on the host reach.
func (d *dockerEnv) startServe(ctx context.Context, img string, spec Spec, labels map[string]string) error {
	w := spec.Progress
	host, err := daemonHost(ctx)
	if err != nil {
		return err
	}
	what := "Kafka"
	if spec.KSQL {
		what = "Kafka and ksqlDB"
	}
	progressf(w, "starting %s (%s, mlops-lab serve) ...", what, img)
	start := time.Now()
	const attempts = 3
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		portText := strconv.Itoa(port)
		args := []string{"serve",
			"--kafka-listen", "0.0.0.0:" + portText,
			"--kafka-advertise", net.JoinHostPort(host, portText),
		}
		ports := []string{portText + ":" + portText + "/tcp"}
		waits := []wait.Strategy{wait.ForLog("kafka: ").WithStartupTimeout(kafkaStartTimeout)}
		deadline := kafkaStartTimeout
		if spec.KSQL {
			args = append(args, "--ksql-listen", "0.0.0.0:8088")
			ports = append(ports, "8088/tcp")
			// serve prints this line once its REST API answers; the API is
			// then checked from here through the mapped port.
			waits = append(waits, wait.ForLog("ksql: ").WithStartupTimeout(ksqlStartTimeout))
			deadline = ksqlStartTimeout
		}
		stop := heartbeat(w, start, "still starting "+what)
		ctr, err := testcontainers.Run(ctx, img,
			network.WithNetwork([]string{kafkaAlias}, d.network),
			testcontainers.WithLabels(labels),
			testcontainers.WithCmd(args...),
			testcontainers.WithExposedPorts(ports...),
			testcontainers.WithWaitStrategyAndDeadline(deadline, waits...),
		)
		stop()
		if err != nil && portTaken(err) && attempt < attempts {
			// Another process took the port between the choice and the start.
			_ = testcontainers.TerminateContainer(ctr)
			continue
		}
		if ctr != nil {
			d.containers = append(d.containers, ctr)
		}
		if err != nil {
			return containerError(ctx, what, img, ctr, err)
		}
		d.bootstrap = net.JoinHostPort(host, portText)
		if err := waitKafka(ctx, d.bootstrap); err != nil {
			return err
		}
		progressf(w, "Kafka ready at %s (%.1fs)", d.bootstrap, time.Since(start).Seconds())
		if spec.KSQL {
			// The same host as Kafka's advertised address: where this
			// process reaches the daemon's published ports.
			mapped, err := ctr.MappedPort(ctx, "8088/tcp")
			if err != nil {
				return fmt.Errorf("ksqlDB (%s) started, but its address is unknown: %w", img, err)
			}
			url := "http://" + net.JoinHostPort(host, mapped.Port())
			if err := waitInfo(ctx, url); err != nil {
				return fmt.Errorf("ksqlDB (%s) started, but %s/info does not answer: %w", img, url, err)
			}
			d.ksqlURL = url
			progressf(w, "ksqlDB ready at %s (%.1fs)", d.ksqlURL, time.Since(start).Seconds())
		}
		return nil
	}
}

// connectDocker returns a client of the Docker engine testcontainers uses, or
// an error saying that Docker is not reachable and what to do instead.
//
// An explicit DOCKER_HOST is checked first with a plain Docker client: it is
// the engine the user asked for, and testcontainers would otherwise fall back
// to the default socket without a word.
func connectDocker(ctx context.Context) (*testcontainers.DockerClient, error) {
	if host := os.Getenv("DOCKER_HOST"); host != "" {
		cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
		if err != nil {
			return nil, dockerUnreachable(host, err)
		}
		err = pingDocker(ctx, cli)
		cli.Close()
		if err != nil {
			return nil, dockerUnreachable(host, err)
		}
	}
	cli, err := newTestcontainersClient(ctx)
	if err != nil {
		return nil, dockerUnreachable("", err)
	}
	if err := pingDocker(ctx, cli.Client); err != nil {
		cli.Close()
		return nil, dockerUnreachable(cli.DaemonHost(), err)
	}
	return cli, nil
}

// newTestcontainersClient creates testcontainers' Docker client, which panics
// when it finds no Docker socket at all.
func newTestcontainersClient(ctx context.Context) (cli *testcontainers.DockerClient, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return testcontainers.NewDockerClientWithOpts(ctx)
}

func pingDocker(ctx context.Context, cli *client.Client) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	_, err := cli.Ping(ctx)
	return err
}

func dockerUnreachable(host string, err error) error {
	at := ""
	if host != "" {
		at = " at " + host
	}
	return fmt.Errorf("Docker is not reachable%s (%s): start Docker, or use the embedded runtime (the default): --runtime embedded", at, oneLine(err.Error()))
}

// daemonHost is the host on which the Docker engine publishes ports, as an
// address clients dial (127.0.0.1 rather than localhost, which may resolve to
// ::1 first).
func daemonHost(ctx context.Context) (host string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("finding the Docker host: %v", r)
		}
	}()
	p, err := testcontainers.NewDockerProvider()
	if err != nil {
		return "", fmt.Errorf("finding the Docker host: %w", err)
	}
	defer p.Close()
	host, err = p.DaemonHost(ctx)
	if err != nil {
		return "", fmt.Errorf("finding the Docker host: %w", err)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	return host, nil
}

// ensureImage returns the local image ref, pulling it first when it is not
// there.
func ensureImage(ctx context.Context, cli *testcontainers.DockerClient, ref string, w io.Writer) (image.InspectResponse, error) {
	info, err := cli.ImageInspect(ctx, ref)
	if err == nil {
		return info, nil
	}
	if !cerrdefs.IsNotFound(err) {
		return info, fmt.Errorf("inspecting image %s: %w", ref, err)
	}
	progressf(w, "pulling %s ...", ref)
	start := time.Now()
	stop := heartbeat(w, start, "still pulling "+ref)
	err = pullImage(ctx, cli, ref)
	stop()
	if err != nil {
		return info, fmt.Errorf("image %s is not available locally and could not be pulled (%s): pull it where a registry is reachable (docker pull %s), or use the embedded runtime (the default): --runtime embedded", ref, oneLine(err.Error()), ref)
	}
	progressf(w, "pulled %s (%.1fs)", ref, time.Since(start).Seconds())
	info, err = cli.ImageInspect(ctx, ref)
	if err != nil {
		return info, fmt.Errorf("inspecting image %s after pulling it: %w", ref, err)
	}
	return info, nil
}

// pullImage pulls ref with the user's registry credentials, if any, and
// returns the first error the pull reports.
func pullImage(ctx context.Context, cli *testcontainers.DockerClient, ref string) error {
	var opts image.PullOptions
	if _, auth, err := testcontainers.DockerImageAuth(ctx, ref); err == nil {
		if data, err := json.Marshal(auth); err == nil {
			opts.RegistryAuth = base64.URLEncoding.EncodeToString(data)
		}
	}
	rc, err := cli.ImagePull(ctx, ref, opts)
	if err != nil {
		return err
	}
	defer rc.Close()
	return streamError(rc)
}

// streamError reads a Docker JSON message stream (a pull or a build) to its
// end and returns the error it reports, if any.
func streamError(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var msg struct {
			Error       string `json:"error"`
			ErrorDetail *struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		if err := dec.Decode(&msg); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		if msg.ErrorDetail != nil && msg.ErrorDetail.Message != "" {
			return errors.New(msg.ErrorDetail.Message)
		}
		if msg.Error != "" {
			return errors.New(msg.Error)
		}
	}
}

// isServeImage says whether an image is built from this project.
func isServeImage(info image.InspectResponse) bool {
	if info.Config == nil {
		return false
	}
	v := info.Config.Labels[ServeImageLabel]
	return v == "1" || v == "true"
}

// infoReady waits until ksqlDB's /info answers 200.
func infoReady(port nat.Port) wait.Strategy {
	return wait.ForHTTP("/info").
		WithPort(port).
		WithStatusCodeMatcher(func(status int) bool { return status == 200 }).
		WithPollInterval(time.Second).
		WithStartupTimeout(ksqlStartTimeout)
}

// waitInfo polls a ksqlDB server's /info until it answers 200.
func waitInfo(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	client := &http.Client{Timeout: 5 * time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/info", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// waitKafka waits until the broker answers metadata requests on its
// advertised address.
func waitKafka(ctx context.Context, bootstrap string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return kafkautil.WaitReachable(ctx, bootstrap)
}

// freePort picks a TCP port that is free on this machine.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		return 0, fmt.Errorf("choosing a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// portTaken says whether a container failed to start because its host port
// was taken.
func portTaken(err error) bool {
	s := err.Error()
	return strings.Contains(s, "port is already allocated") || strings.Contains(s, "address already in use")
}

// containerError explains a container that did not start, with the end of
// its log when there is one.
func containerError(ctx context.Context, what, img string, ctr testcontainers.Container, err error) error {
	msg := fmt.Sprintf("%s (%s) did not start: %v%s", what, img, err, ryukHint(err))
	if tail := logTail(ctx, ctr, 15); tail != "" {
		msg += "\ncontainer log (last lines):\n" + tail
	}
	return errors.New(msg)
}

// ryukHint explains a failure of testcontainers' Ryuk container.
func ryukHint(err error) string {
	s := strings.ToLower(err.Error())
	if strings.Contains(s, "ryuk") || strings.Contains(s, "reaper") {
		return " (testcontainers could not start its Ryuk cleanup container; where images cannot be pulled, set TESTCONTAINERS_RYUK_DISABLED=true)"
	}
	return ""
}

// logTail returns the last n lines of a container's log, indented.
func logTail(ctx context.Context, ctr testcontainers.Container, n int) string {
	if ctr == nil {
		return ""
	}
	if dc, ok := ctr.(*testcontainers.DockerContainer); ok && dc == nil {
		return ""
	}
	if kc, ok := ctr.(*kafka.KafkaContainer); ok && (kc == nil || kc.Container == nil) {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	rc, err := ctr.Logs(ctx)
	if err != nil {
		return ""
	}
	defer rc.Close()
	var lines []string
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, "  "+sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// heartbeat writes "MESSAGE (12s) ..." every heartbeatEvery until stopped.
func heartbeat(w io.Writer, start time.Time, message string) (stop func()) {
	if w == nil {
		return func() {}
	}
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(heartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				progressf(w, "%s (%ds) ...", message, int(time.Since(start).Seconds()))
			}
		}
	}()
	return func() {
		close(done)
		<-exited
	}
}

// oneLine joins a multi-line message into one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
