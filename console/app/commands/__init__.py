"""The body of each `cityops` subcommand, one module each; console/app/cli.py parses the command line
and dispatches here. Each entry point takes the parsed arguments and the checked config and returns
the exit code; heavy imports (Qt, pandas, NATS) stay inside the functions, so one command never pays
for another's."""
