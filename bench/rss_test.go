package bench

import (
	"runtime"
	"strings"
	"testing"
)

func TestParseVmHWM(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"Name:\tnara\nVmPeak:\t  999 kB\nVmHWM:\t    1234 kB\nVmRSS:\t 1000 kB\n", 1234 << 10, true},
		{"VmHWM: 0 kB\n", 0, true},
		{"VmRSS:\t 1000 kB\n", 0, false},
		{"VmHWM:\t 12 MB\n", 0, false},
		{"VmHWM:\t -5 kB\n", 0, false},
		{"VmHWM:\t x kB\n", 0, false},
		{"", 0, false},
	}
	for _, c := range cases {
		got, ok := parseVmHWM(strings.NewReader(c.in))
		if got != c.want || ok != c.ok {
			t.Errorf("parseVmHWM(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// TestPeakRSS touches 32 MiB and expects the peak to cover it.
func TestPeakRSS(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("VmHWM is Linux's")
	}
	buf := make([]byte, 32<<20)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 1
	}
	peak, ok := PeakRSS()
	if !ok {
		t.Fatal("no VmHWM in /proc/self/status")
	}
	t.Logf("peak RSS %d MiB", peak>>20)
	if peak < int64(len(buf)) {
		t.Errorf("peak RSS %d bytes is below the %d just touched", peak, len(buf))
	}
	runtime.KeepAlive(buf)
}
