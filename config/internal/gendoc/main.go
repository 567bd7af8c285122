package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"supd/config"
)

func main() {
	out := flag.String("o", "docs", "folder to write supd.yaml.5 and config.md into")
	flag.Parse()
	if err := write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gendoc:", err)
		os.Exit(1)
	}
}

// Pages are the files gendoc writes, by name.
func pages() map[string][]byte {
	ref := config.Reference()
	return map[string][]byte{
		"supd.yaml.5": man(ref),
		"config.md":   markdown(ref),
	}
}

func write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, data := range pages() {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
