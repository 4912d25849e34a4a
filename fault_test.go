package main

// faultCmds are the custom script commands of the fault-injection scripts
// (testdata/script/fault_*.txtar).
var faultCmds = map[string]scriptCmd{}
