// Package labcontract is the contract between `mlops-lab grade` and the
// grading tests it runs: the environment variables the grader sets for the
// tests. It imports nothing, so the CLI, the grader and pkg/labtest (which
// learner workspaces, another module, import) share the names without
// pulling in the testing package or a ksqlDB server.
package labcontract

// Environment variables `mlops-lab grade` sets for grading tests.
const (
	// EnvBootstrap is the Kafka bootstrap HOST:PORT of the environment the
	// grader runs the tests against; `mlops-lab start` also tells learners to
	// set it for their own programs when Kafka is not on its usual port.
	EnvBootstrap = "MLOPS_LAB_BOOTSTRAP"
	// EnvKsqlURL is the ksqlDB server URL of that environment, for labs
	// that use ksqlDB (set together with EnvBootstrap).
	EnvKsqlURL = "MLOPS_LAB_KSQL_URL"
	// EnvSolutionDir is set by `mlops-lab grade --solution` to the folder
	// holding the reference solution's files; tests read run-time files
	// (SQL scripts) from there instead of the learner's lab folder.
	EnvSolutionDir = "MLOPS_LAB_SOLUTION_DIR"
)
