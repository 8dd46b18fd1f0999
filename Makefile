# manifold — the two commands are `make compile` (or `go run ./cmd/compile`)
# and `make test`.
export GOTOOLCHAIN := local
GO ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
ACTIONLINT := github.com/rhysd/actionlint/cmd/actionlint@v1.7.12

.PHONY: compile check schemas test unit lint golden bench hostile fuzz apiserver-test

## compile: compile apps/ into out/
compile:
	$(GO) run ./cmd/compile

## check: exit 1 when out/ is not what apps/ compiles to
check:
	$(GO) run ./cmd/compile -check

## schemas: regenerate schemas/ from the pinned Go modules
schemas:
	$(GO) run ./cmd/schemas

## test: lint, then every test with the race detector
test: lint unit

unit:
	$(GO) test -race -count=1 ./...

## lint: gofmt, go vet (here and for Windows), staticcheck, actionlint
lint:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags apiserver ./tests/dryrun
	GOOS=windows $(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(ACTIONLINT) .github/workflows/*.yml

## golden: regenerate the golden files of the end-to-end tests (review the diff)
golden:
	$(GO) test ./tests/... -run Golden -update

## bench: every stage and the whole compile for 100, 1,000 and 5,000 apps, then
## the built compile command over 1,000 apps: a fresh tree with no cache, a
## re-run and a -check with the cache warm, an edit to one app (its LOG_LEVEL,
## then another's replicas, then another's alerts), a re-run with
## the cache emptied, and the compile alone with no cache (a -check of an empty
## folder, which exits 1: nothing there is current); then the built cmd/lint
## over that tree, with the compiler's cache and without; then kubeconform's
## command over the tree, which must find every object valid
BENCH_CACHE := /tmp/manifold-bench-cache
FLEET := /tmp/manifold-bench -apps 1000 -out /tmp/manifold-fleet/out
LINT_FLEET := /usr/bin/time -f 'cmd/lint over the tree: %e s, peak RSS %M KB' /tmp/manifold-lint /tmp/manifold-fleet/out
bench:
	$(GO) test ./tests/bench/fleet -run '^$$' -bench . -benchmem -benchtime 1x -timeout 60m
	$(GO) test ./lib/validate -run '^$$' -bench . -benchmem
	$(GO) build -o /tmp/manifold-bench ./tests/bench
	$(GO) build -o /tmp/manifold-lint ./cmd/lint
	rm -rf /tmp/manifold-fleet $(BENCH_CACHE)
	MANIFOLD_CACHE=$(BENCH_CACHE) $(FLEET)
	MANIFOLD_CACHE=$(BENCH_CACHE) $(FLEET)
	MANIFOLD_CACHE=$(BENCH_CACHE) $(FLEET)
	MANIFOLD_CACHE=$(BENCH_CACHE) $(FLEET) -check
	MANIFOLD_CACHE=$(BENCH_CACHE) $(FLEET) -edit 7
	MANIFOLD_CACHE=$(BENCH_CACHE) $(FLEET) -edit 8 -edit-scale
	MANIFOLD_CACHE=$(BENCH_CACHE) $(FLEET) -edit 9 -edit-alert
	MANIFOLD_CACHE=$(BENCH_CACHE) $(FLEET) -edit 10 -edit-port
	$(FLEET) -cache=false
	rm -rf $(BENCH_CACHE) && MANIFOLD_CACHE=$(BENCH_CACHE) $(FLEET)
	rm -rf /tmp/manifold-empty && /tmp/manifold-bench -apps 1000 -out /tmp/manifold-empty -cache=false -check || test $$? -eq 1
	MANIFOLD_CACHE=$(BENCH_CACHE) $(LINT_FLEET)
	MANIFOLD_CACHE=off $(LINT_FLEET)
	$(GO) build -o /tmp/kubeconform github.com/yannh/kubeconform/cmd/kubeconform
	$(GO) run ./tests/bench/kubeconform -kubeconform /tmp/kubeconform -tree /tmp/manifold-fleet/out

## hostile: cmd/lint over the hostile-input corpus, within 2 s and 512 MB each
hostile:
	tests/hostile/run.sh

## apiserver-test: the server-side dry-run gate against a real kube-apiserver
## (built once from tests/apiserver and cached) and etcd (Debian's etcd-server)
apiserver-test:
	tests/apiserver/run.sh

## fuzz: run every fuzz target for FUZZTIME each (default 1m); crashers land in testdata/fuzz
FUZZTIME ?= 1m
fuzz:
	$(GO) test ./lib/manifest -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME)
	$(GO) test ./lib/manifest -run '^$$' -fuzz '^FuzzSpan$$' -fuzztime $(FUZZTIME)
	$(GO) test ./lib/diff -run '^$$' -fuzz '^FuzzFields$$' -fuzztime $(FUZZTIME)
	$(GO) test ./lib/model -run '^$$' -fuzz '^FuzzValidateSpec$$' -fuzztime $(FUZZTIME)
	$(GO) test ./lib/render -run '^$$' -fuzz '^FuzzEncode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./lib/tree -run '^$$' -fuzz '^FuzzDecodeKnown$$' -fuzztime $(FUZZTIME)
