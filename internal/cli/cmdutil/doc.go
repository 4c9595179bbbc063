// Package cmdutil is what every mlops-lab command is built on: the Factory
// that gives commands their streams, working folder, base context, workspace
// and Kafka/ksqlDB environment; the errors that carry an exit status; flag and
// argument checks whose messages say what to type; and path resolution
// against the working folder.
//
// # The pattern of a command
//
// Each command (or command group) lives in its own package under
// internal/cli (internal/cli/grade, internal/cli/topic, ...) and has:
//
//   - an Options struct holding what the command needs: the IOStreams and
//     the Factory's lookups it uses, plus one field per argument and flag;
//   - NewCmdX(f *cmdutil.Factory, runF func(*XOptions) error) *cobra.Command,
//     which declares Use/Short/Long/Example, the flags (bound to the Options
//     fields) and the argument check, and whose RunE fills the remaining
//     Options fields from the arguments and calls runF when it is not nil,
//     xRun otherwise (RunE builds it; LabArgs takes a lab argument);
//   - xRun(opts *XOptions) error, the command itself, which calls the
//     business logic in internal/ or pkg/ packages and writes to
//     opts.IO.Out / opts.IO.ErrOut (never to os.Stdout).
//
// Tests build a Factory on iostreams.Test and pass a runF that captures the
// Options: flag parsing, defaults and argument counts are then checked
// without starting a broker. internal/cli/root.NewCmdRoot registers every
// command; root.Execute runs a command line and turns errors into exit
// statuses (ExitError) and one-line messages.
//
//	func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
//		opts := &ListOptions{IO: f.IOStreams, Workspace: f.Workspace}
//		cmd := &cobra.Command{
//			Use:  "list",
//			Args: cobra.NoArgs,
//			RunE: cmdutil.RunE(opts, nil, runF, listRun),
//		}
//		return cmd
//	}
//
// Commands that need a context take it from cmd.Context() in RunE (stored in
// an Options field named Ctx is fine too): root.Execute cancels it on SIGINT
// and SIGTERM. Commands that need Kafka or ksqlDB embed EnvFlags, register
// them with EnvFlags.Register and connect with Factory.Connect.
package cmdutil
