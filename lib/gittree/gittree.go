// Package gittree reads the files of a folder as a Git revision holds
// them, with the git command, so that a tree can be compared with what a
// commit deployed.
package gittree

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// Read returns the files under dir (a folder of the working tree, as the
// caller names it) at revision rev, by slash path relative to dir.
func Read(ctx context.Context, rev, dir string) (map[string][]byte, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	root, err := git(ctx, filepath.Dir(abs), nil, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, err
	}
	top := strings.TrimSpace(string(root))
	rel, err := filepath.Rel(top, abs)
	if err != nil {
		return nil, err
	}
	rel = filepath.ToSlash(rel)
	if _, err := git(ctx, top, nil, "rev-parse", "--verify", "--quiet", rev+"^{commit}"); err != nil {
		return nil, fmt.Errorf("%s is not a commit of %s", rev, top)
	}
	list, err := git(ctx, top, nil, "ls-tree", "-r", "-z", "--full-name", rev, "--", rel)
	if err != nil {
		return nil, err
	}
	var names, objects []string
	for _, line := range bytes.Split(list, []byte{0}) {
		if len(line) == 0 {
			continue
		}
		meta, name, ok := strings.Cut(string(line), "\t")
		fields := strings.Fields(meta)
		if !ok || len(fields) != 3 || fields[1] != "blob" {
			continue
		}
		names = append(names, name)
		objects = append(objects, fields[2])
	}
	files := make(map[string][]byte, len(names))
	if len(names) == 0 {
		return files, nil
	}
	out, err := git(ctx, top, strings.NewReader(strings.Join(objects, "\n")+"\n"), "cat-file", "--batch")
	if err != nil {
		return nil, err
	}
	r := bufio.NewReader(bytes.NewReader(out))
	for i, name := range names {
		header, err := r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("git cat-file: %w", err)
		}
		f := strings.Fields(header)
		if len(f) != 3 {
			return nil, fmt.Errorf("git cat-file: unexpected %q for %s", header, objects[i])
		}
		size, err := strconv.Atoi(f[2])
		if err != nil {
			return nil, fmt.Errorf("git cat-file: %q: %w", header, err)
		}
		body := make([]byte, size+1) // the content and a newline
		if _, err := io.ReadFull(r, body); err != nil {
			return nil, fmt.Errorf("git cat-file: %w", err)
		}
		p := strings.TrimPrefix(strings.TrimPrefix(name, rel), "/")
		if rel == "." {
			p = name
		}
		files[path.Clean(p)] = body[:size]
	}
	return files, nil
}

func git(ctx context.Context, dir string, stdin io.Reader, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Stdin = stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
