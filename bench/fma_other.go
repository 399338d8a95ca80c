//go:build noasm || !amd64

package bench

func fmaLoop(iters int)        { fmaGo(iters) }
func fmaFlopsPerIter() float64 { return fmaGoFlops }
func fmaKind() string          { return "pure Go scalar" }
