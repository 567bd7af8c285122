// Package safefs judges whether supd may trust what it finds on the file
// system: a folder in which no other user can add, remove or rename
// entries, a file that is supd's own. supd runs as root and runs other
// users' programs, so a log folder, the control socket's folder or the
// config file that another user may change is a way in. It only judges
// what it is shown (a stat, or a walk of a path); opening files safely is
// the job of its callers. It runs no goroutines.
package safefs
