// Command tool is a command: it has no Go API.
package main

func main() {}
