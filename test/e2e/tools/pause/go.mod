module butterbase-functions/test/e2e/tools/pause

go 1.26.0
