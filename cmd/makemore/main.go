package main
import (
 _ "github.com/spf13/cobra"
 _ "github.com/schollz/progressbar/v3"
 _ "gonum.org/v1/gonum/mat"
)
func main(){}
