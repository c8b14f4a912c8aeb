"""Start-up: the `cityops` command line (parser, dispatch, one module per subcommand) and the headless
console. The top layer: it may use every package, nothing imports it."""
