// Preloaded (node --import) into each Node.js child of the Prism check (see nodeChild in
// prism.js), Prism above all, which has no --exit-with-parent of its own: the child's stdin is a
// pipe from the test process, which never writes to it, so it reaches its end exactly when the
// test process has ended, however it ended (SIGKILL included). The child then ends too, rather
// than hold its port and memory on a CI runner.
process.stdin.on('end', () => process.exit(1));
process.stdin.on('error', () => process.exit(1));
process.stdin.resume();
