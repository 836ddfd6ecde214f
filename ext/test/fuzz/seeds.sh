#!/bin/sh
# Writes a small seed corpus into $1: valid compressed strings (target byte 0,
# '0' = 48 also selects the decoder), a few fingerprints for the comparers and
# items to encode (target byte 5; the next byte is the algorithm).
set -eu
mkdir -p "$1"
printf '\000AQAAA0GCAA' >"$1/decode-small"
printf '\000AQAAAA' >"$1/decode-empty"
printf '0AQAAT0mUTUkaKQKO_PhxPFXw4yHuHD-OH3pw4Thwoj1OH7-RHDlQ9MADz8fxHWF-o8dRNPjR1zimHyceHDhKZTJuGT3Q' >"$1/decode-fpcalc"
printf '\001\010\120ABCDEFGHABCDEFGHIJKLMNOPIJKLMNOP' >"$1/compare2"
printf '\002\004\000ABCDABCDABCDABCD' >"$1/compare"
printf '\005\001ABCDEFGHIJKLMNOP' >"$1/encode"
