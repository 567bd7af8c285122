// Package escape makes text that workers wrote safe to show on a
// terminal: their output lines and their sd_notify STATUS=. Without it a
// worker could print escape sequences that move the cursor, rewrite or
// recolour what is on screen, set the window's title, or a carriage return
// that overwrites the path in front of its line, and so forge another
// worker's lines or supd's own. Only the display is escaped: log files,
// rings and the API's JSON keep the bytes as they came. It runs no
// goroutines.
package escape
