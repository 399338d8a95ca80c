package runtime_test

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
)

// The examples run a fixture model, and an example cannot skip itself: when
// the fixtures are missing, leave the examples out (-run filters examples
// too) and say so once, as the tests' own skips do.
func TestMain(m *testing.M) {
	flag.Parse()
	if _, ok := fixtures.Find(); !ok {
		if run := flag.Lookup("test.run"); run != nil && run.Value.String() == "" {
			flag.Set("test.run", "^(Test|Fuzz)")
			fmt.Println("fixtures not found: examples skipped (set NARA_FIXTURES or put them at ../shared/fixtures)")
		}
	}
	os.Exit(m.Run())
}
