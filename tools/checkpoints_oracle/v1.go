package main

import v1 "k8s.io/api/core/v1"

type v1ResourceName = v1.ResourceName
