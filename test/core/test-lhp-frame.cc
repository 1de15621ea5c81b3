// replaced by the codec tests
